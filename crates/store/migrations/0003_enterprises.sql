-- The enterprise registry: credit code (unique, with an override reason for early codes that fail
-- the check character), legal representative, contact, GB/T 4754 class, size, tags, entry date, status.
ALTER TABLE enterprises ADD COLUMN credit_override TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN legal_representative TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN industry_code TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN size TEXT NOT NULL DEFAULT 'below';
ALTER TABLE enterprises ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN entry_date TEXT;
ALTER TABLE enterprises ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
CREATE UNIQUE INDEX enterprises_credit_code ON enterprises (credit_code);
