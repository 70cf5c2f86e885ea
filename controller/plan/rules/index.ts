// Every cross-field rule of docs/plan-reference.md (2..10 and the sanity checks beside them), in
// the order their problems are reported.
import { agentBoundProblems } from './agent-bounds';
import { agentOptionProblems } from './agent-options';
import { execCheckProblems } from './exec-checks';
import { plannedAddressFamilyProblems } from './address-family';
import { directorGroupProblems } from './director-groups';
import { forwardingProblems } from './forwarding';
import { ftpProblems } from './ftp';
import { healthCheckProblems } from './health-check';
import { hostProblems } from './hosts';
import { markOverlapProblems } from './mark-overlap';
import { markUsageProblems } from './mark-usage';
import { natGatewayProblems } from './nat-gateway';
import { persistenceProblems } from './persistence';
import { portRangeProblems } from './port-ranges';
import { schedulerProblems } from './scheduler';
import { serviceKindProblems } from './service-kind';
import { sorryServerProblems } from './sorry-server';
import { uniquenessProblems } from './uniqueness';
import type { Rule } from './view';

export const PLAN_RULES: readonly Rule[] = [
  serviceKindProblems,
  uniquenessProblems,
  markUsageProblems,
  markOverlapProblems,
  portRangeProblems,
  ftpProblems,
  hostProblems,
  forwardingProblems,
  schedulerProblems,
  persistenceProblems,
  healthCheckProblems,
  plannedAddressFamilyProblems,
  sorryServerProblems,
  natGatewayProblems,
  directorGroupProblems,
  agentOptionProblems,
  agentBoundProblems,
  execCheckProblems,
];
