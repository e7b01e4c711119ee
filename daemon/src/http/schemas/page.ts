/**
 * The GET routes the web page reads (under /api/v1), each with the schema of its 200 answer: the very
 * schema objects the routes declare (a test checks that they are the same objects). The page receives
 * them as JSON from PAGE_SCHEMAS_URL (routes/page-schemas.ts) and checks every answer against them; its
 * TypeScript types are PageResponses, imported type-only.
 */
import type { Static } from 'typebox';
import { BisectDetail, BisectListResponse } from './bisects.js';
import { CampaignDetail, CampaignListResponse, CampaignSeriesResponse, DuetIntervalsResponse } from './campaigns.js';
import { EpochDetail, EpochListResponse, SamplesResponse } from './epochs.js';
import { HistoryResponse } from './history.js';
import { CompareResponse, DriftResponse } from './judgement.js';
import { StatusResponse } from './status.js';

/** Where the page fetches PAGE_RESPONSE_SCHEMAS as JSON. */
export const PAGE_SCHEMAS_URL = '/assets/api-schemas.json';

export const PAGE_RESPONSE_SCHEMAS = {
  '/status': StatusResponse,
  '/campaigns': CampaignListResponse,
  '/campaigns/:id': CampaignDetail,
  '/campaigns/:id/series': CampaignSeriesResponse,
  '/campaigns/:id/duet-intervals': DuetIntervalsResponse,
  '/epochs': EpochListResponse,
  '/epochs/:id': EpochDetail,
  '/epochs/:id/samples': SamplesResponse,
  '/compare': CompareResponse,
  '/drift': DriftResponse,
  '/history': HistoryResponse,
  '/bisects': BisectListResponse,
  '/bisects/:id': BisectDetail,
};

export type PageRoute = keyof typeof PAGE_RESPONSE_SCHEMAS;
/** The answer of each route the page reads, as TypeScript types. */
export type PageResponses = { [R in PageRoute]: Static<(typeof PAGE_RESPONSE_SCHEMAS)[R]> };
