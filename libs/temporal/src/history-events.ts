import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** A history event's id, its time (ms, the sub-millisecond part dropped) and its type's name. */
export const eventId = (e: HistoryEvent): number => Number(e.eventId ?? 0);
export const eventTimeMs = (e: HistoryEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
export const eventTypeName = (e: HistoryEvent): string =>
  (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
