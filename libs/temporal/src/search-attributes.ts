import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the review workflow keeps current, so reviews are findable in
 * Temporal (`temporal workflow list --query "ReviewStage='assessment'"`) and in its UI. */
export const ReviewStatusKey = defineSearchAttributeKey(
  'ReviewStatus',
  SearchAttributeType.KEYWORD,
);
export const ReviewStageKey = defineSearchAttributeKey('ReviewStage', SearchAttributeType.KEYWORD);
export const LeadAgencyKey = defineSearchAttributeKey('LeadAgency', SearchAttributeType.KEYWORD);
export const NextDeadlineKey = defineSearchAttributeKey(
  'NextDeadline',
  SearchAttributeType.DATETIME,
);
export const EscalationLevelKey = defineSearchAttributeKey(
  'EscalationLevel',
  SearchAttributeType.INT,
);

/** `--search-attribute NAME=Type` pairs for `temporal server start-dev`. */
export const DEV_SERVER_SEARCH_ATTRIBUTES: Record<string, string> = {
  ReviewStatus: 'Keyword',
  ReviewStage: 'Keyword',
  LeadAgency: 'Keyword',
  NextDeadline: 'Datetime',
  EscalationLevel: 'Int',
};
