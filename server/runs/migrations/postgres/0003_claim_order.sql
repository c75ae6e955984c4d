-- Claim orders the heads of the queue by their tenant's processing count and
-- latest start (issue 11's fairness). Without these, each head's two lookups
-- scanned its tenant's whole run history: at 10,000 waiting runs one claim
-- took seconds (issue 18's capacity benchmark). With them each is one index
-- probe.
CREATE INDEX runs_tenant_started ON runs (tenant_id, started_at);
CREATE INDEX runs_processing_by_tenant ON runs (tenant_id) WHERE status = 'processing';
