// Public surface of the synthetic source.
export { createSyntheticSource, SYNTHETIC_SOURCE_LABEL, type SyntheticSource, type SyntheticSourceOptions } from "./synthetic-source.ts";
export { PROFILE_NAMES, PROFILES, isProfileName, type SyntheticProfile, type ProfileParams } from "./profiles.ts";
export {
  defaultCohort,
  groundTruthDays,
  groundTruthNonWearDays,
  lastSyncAtFor,
  type CohortMember,
  type CohortOptions,
  type GroundTruthDay,
  type GroundTruthParticipant,
} from "./cohort.ts";
