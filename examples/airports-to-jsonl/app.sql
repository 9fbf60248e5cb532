-- Format conversion: the FAA's list of US airports from CSV to JSON lines, one object per airport, with the
-- coordinates kept as they were written.
--
--   ferris run examples/airports-to-jsonl/app.sql

CREATE STREAM airports_jsonl AS
SELECT iata, name, city, state, country, latitude, longitude
FROM airports
WITH (
  'airports.uri' = 'file:./examples/data/airports.csv',
  'airports_jsonl.uri' = 'file:./examples/out/airports.jsonl'
);
