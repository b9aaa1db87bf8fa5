import {
  computeDeadline,
  shiftForClockStop,
  type BusinessCalendar,
} from '../clock/business-calendar';
import type { Deadline } from './review.types';

/**
 * When a deadline falls due, recomputed from its legal basis every time: the original clock,
 * then every finished clock stop, then every granted extension, then the cap. Recomputing from
 * the basis (rather than nudging a stored date) is what lets a closure day added later move
 * every open deadline it touches, and keeps repairs from restarting a legal clock.
 * Returns undefined while a clock stop is running: a stopped clock has no due time.
 */
export function deadlineDue(d: Deadline, cal: BusinessCalendar): number | undefined {
  let due = computeDeadline(d.basisMs, d.clock, cal);
  for (const stop of d.stops) {
    if (stop.toMs === undefined) return undefined;
    due = shiftForClockStop(due, stop.fromMs, stop.toMs, d.clock, cal);
  }
  for (const ext of d.extensions) {
    if (ext.status === 'granted') due = computeDeadline(due, ext.clock, cal);
  }
  if (d.capMs !== undefined && d.capMs < due) due = d.capMs;
  return due;
}

export function isStopped(d: Deadline): boolean {
  return d.stops.some((s) => s.toMs === undefined);
}
