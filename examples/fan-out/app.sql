-- Fan-out: one source, two sinks of different kinds. The FAA's list of US airports (examples/data/airports.csv)
-- goes into a PostgreSQL table for lookups by code, and the same rows into a Parquet file for analytics.
-- Two statements read the one source `airports`; each is its own job with its own checkpoints, so a slow or
-- failing sink does not hold the other back.
--
--   tools/services/postgres/start
--   ferris run examples/fan-out/app.sql
--   psql postgresql://ferris:ferris@127.0.0.1:15432/ferris -c "SELECT * FROM airports WHERE iata = 'SEA'"

-- Job 1: upserts into PostgreSQL, keyed by IATA code, so running the job again updates rows instead of
-- duplicating them. The sink creates the table (with iata as PRIMARY KEY) on the first run.
CREATE STREAM airports_pg AS
SELECT iata, name, city, state, country, latitude, longitude
FROM airports
WITH (
  -- Properties of all statements form one namespace: the source is declared once, for both jobs.
  'airports.uri' = 'file:./examples/data/airports.csv',
  'airports.schema' = 'iata STRING NOT NULL, name STRING, city STRING, state STRING, country STRING, latitude DOUBLE, longitude DOUBLE',

  'airports_pg.uri' = 'postgresql://ferris:ferris@127.0.0.1:15432/ferris',
  'airports_pg.table' = 'airports',
  'airports_pg.key' = 'iata',
  'airports_pg.create_table' = 'true'
);

-- Job 2: the same rows as Parquet, with the state upper-cased and a hemisphere flag computed on the way.
CREATE STREAM airports_parquet AS
SELECT iata, name, city, UPPER(state) AS state, country, latitude, longitude, longitude < 0 AS western
FROM airports
WITH (
  'airports_parquet.uri' = 'file:./examples/out/airports.parquet'
);
