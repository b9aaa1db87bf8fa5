import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

/** Agency codes as protocols spell them (`caisi`, `nsa`). */
export const AGENCY_CODE = /^[a-z][a-z0-9-]{1,30}$/;

/** Query strings arrive as text: digits become a number, anything else stays for the validator. */
export const toInt = ({ value }: { value: unknown }) =>
  /^\d+$/.test(String(value)) ? Number(value) : value;

export const IsAgencyCode = (field = 'agency') =>
  Matches(AGENCY_CODE, { message: `${field} must be an agency code such as caisi` });

/** A real calendar date `YYYY-MM-DD` (2027-02-30 is refused). */
export const IsCalendarDate = (field: string) =>
  applyDecorators(
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: `${field} must be a date YYYY-MM-DD` }),
    IsISO8601({ strict: true }, { message: `${field} must be a valid calendar date` }),
  );

/** An optional page size: `limit=1..max`, `fallback` when absent. */
export const PageLimit = (fallback: number, max: number) =>
  applyDecorators(
    ApiPropertyOptional({ default: fallback, minimum: 1, maximum: max }),
    IsOptional(),
    Transform(toInt),
    IsInt(),
    Min(1),
    Max(max),
  );

/**
 * A date that must not come before another field of the same query, and at most `maxDays`
 * after it (so a calendar query cannot ask for every deadline ever).
 */
export function IsDateWithin(otherField: string, maxDays: number) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateWithin',
      target: target.constructor,
      propertyName,
      constraints: [otherField, maxDays],
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be on or after ${otherField} and at most ${maxDays} days after it`,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const other = (args.object as Record<string, unknown>)[otherField];
          // Malformed dates are the other rules' business; compare only two real dates.
          if (!isRealDate(value) || !isRealDate(other)) return true;
          const days = (Date.parse(value) - Date.parse(other)) / 86_400_000;
          return days >= 0 && days <= maxDays;
        },
      },
    });
}

function isRealDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}
