/** The one workflow bundle the core worker loads. */
export { reviewWorkflow } from './review.workflow';
export { workstreamWorkflow } from './workstream.workflow';
export { registerStepTypesWorkflow } from './registry.workflow';
export { rebuildReadModelWorkflow } from './read-model.workflow';
