/** The benchmark baseline's workflows, bundled apart from the engine's (see ../engine-vs-temporal.ts). */
export { minimalReviewWorkflow, minimalWorkstreamWorkflow } from './minimal.workflow';
