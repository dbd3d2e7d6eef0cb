-- The schema of a store made by Signpost before the store module owned
-- crawl.db (main at 9497876): user_version 2 covered the crawler's tables
-- only; the indexer and the linkage made theirs unversioned.  Generated from
-- the schema strings of crawler/store.c (schema_v1, schema_v2),
-- indexer/ingest.c (schema_sql) and indexer/dedupe_store.c
-- (dedupe_schema_sql) at that commit, then a few rows of each kind.

-- crawler/store.c schema_v1
CREATE TABLE IF NOT EXISTS sources(
  name TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  kind TEXT NOT NULL,
  config TEXT NOT NULL DEFAULT '{}',
  pass INTEGER NOT NULL DEFAULT 0,
  running INTEGER NOT NULL DEFAULT 0,
  pass_full INTEGER NOT NULL DEFAULT 1,
  pass_fetched INTEGER NOT NULL DEFAULT 0,
  last_start INTEGER, last_success INTEGER, last_full INTEGER,
  last_error INTEGER, last_error_msg TEXT, failing_since INTEGER,
  next_crawl_at INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS urls(
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  format TEXT NOT NULL DEFAULT 'auto',
  depth INTEGER NOT NULL DEFAULT 0,
  pass INTEGER NOT NULL DEFAULT 0,
  tries INTEGER NOT NULL DEFAULT 0,
  next_fetch_at INTEGER NOT NULL DEFAULT 0,
  etag TEXT, last_modified TEXT, content_hash TEXT,
  fail_count INTEGER NOT NULL DEFAULT 0,
  lastmod INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER, last_fetched INTEGER, last_status INTEGER,
  last_error TEXT, gone_since INTEGER,
  PRIMARY KEY(source, url));
CREATE INDEX IF NOT EXISTS urls_queue ON urls(source, state, pass, depth, lastmod DESC);
CREATE TABLE IF NOT EXISTS documents(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  final_url TEXT,
  fetched_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  format TEXT,
  content_type TEXT,
  headers TEXT,
  body BLOB,
  content_hash TEXT);
CREATE INDEX IF NOT EXISTS documents_url ON documents(url, seq);
CREATE TABLE IF NOT EXISTS fetch_log(
  id INTEGER PRIMARY KEY,
  source TEXT, url TEXT NOT NULL, time INTEGER NOT NULL,
  status INTEGER, bytes INTEGER, ms INTEGER, error TEXT);
CREATE INDEX IF NOT EXISTS fetch_log_url ON fetch_log(url);
CREATE INDEX IF NOT EXISTS fetch_log_time ON fetch_log(source, time);
CREATE TABLE IF NOT EXISTS robots(
  authority TEXT PRIMARY KEY,
  fetched_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  body BLOB);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);

-- crawler/store.c schema_v2
CREATE TABLE IF NOT EXISTS out_links(
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  links TEXT NOT NULL,
  PRIMARY KEY(source, url));

PRAGMA user_version=2;

-- indexer/ingest.c schema_sql
CREATE TABLE IF NOT EXISTS ingest_records(  id TEXT PRIMARY KEY, source TEXT NOT NULL, hash TEXT NOT NULL,  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,  last_changed INTEGER NOT NULL, gone_at INTEGER);
CREATE INDEX IF NOT EXISTS ingest_records_source ON ingest_records(source);
CREATE TABLE IF NOT EXISTS ingest_urls(  url TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(url, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ingest_urls_id ON ingest_urls(id);
CREATE TABLE IF NOT EXISTS ingest_dropped(  id TEXT PRIMARY KEY, source TEXT NOT NULL) WITHOUT ROWID;

-- indexer/dedupe_store.c dedupe_schema_sql
CREATE TABLE IF NOT EXISTS hub_decisions(  id_a TEXT NOT NULL, id_b TEXT NOT NULL, decision TEXT NOT NULL,  at INTEGER NOT NULL, by TEXT, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_links(  id_a TEXT NOT NULL, id_b TEXT NOT NULL, cluster_id TEXT NOT NULL,  score REAL NOT NULL, decided INTEGER NOT NULL, evidence TEXT NOT NULL,  PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_links_cluster ON hub_links(cluster_id);
CREATE TABLE IF NOT EXISTS hub_records(  id TEXT PRIMARY KEY, cluster_id TEXT, source TEXT, name TEXT, org TEXT, url TEXT,  boroughs TEXT, subregions TEXT, groups TEXT, categories TEXT, modes TEXT,  funders TEXT, postcode TEXT, schedule TEXT, status TEXT, last_modified TEXT,  pan_london INTEGER, lat REAL, lon REAL, min_age REAL, max_age REAL,  first_seen INTEGER, last_seen INTEGER, last_changed INTEGER, sig BLOB,  source_url TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_records_cluster ON hub_records(cluster_id);
CREATE TABLE IF NOT EXISTS hub_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_features(  id TEXT PRIMARY KEY, cluster_id TEXT, feat BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_matches(  id_a TEXT NOT NULL, id_b TEXT NOT NULL, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_pending(id TEXT NOT NULL);

-- rows, as a crawl, an index run and a hub decision left them
INSERT INTO sources(name, url, kind, pass, last_success, records)
  VALUES('acme', 'http://127.0.0.1:1/oruk/', 'oruk', 3, 1700000000, 2);
INSERT INTO urls(source, url, state, format, depth, pass, content_hash, last_fetched)
  VALUES('acme', 'http://127.0.0.1:1/oruk/services', 'done', 'oruk', 0, 3, 'v1:abc', 1700000000);
INSERT INTO documents(source, url, final_url, fetched_at, status, format, content_type, body,
                      content_hash)
  VALUES('acme', 'http://127.0.0.1:1/oruk/services', NULL, 1700000000, 200, 'oruk',
         'application/json', '{"content":[]}', 'v1:abc');
INSERT INTO out_links(source, url, links)
  VALUES('acme', 'http://127.0.0.1:1/oruk/services', '0	0	oruk	http://127.0.0.1:1/oruk/services?page=2
');
INSERT INTO meta(key, value) VALUES('cursor.index', '1');
INSERT INTO ingest_records VALUES('svc-1', 'acme', '00000000000000aa', 1690000000, 1700000000,
                                  1695000000, NULL);
INSERT INTO ingest_records VALUES('svc-2', 'acme', '00000000000000bb', 1690000000, 1700000000,
                                  1695000000, 1700000500);
INSERT INTO ingest_urls VALUES('http://127.0.0.1:1/oruk/services', 'svc-1');
INSERT INTO hub_decisions VALUES('svc-1', 'svc-3', 'not-same', 1700000100, 'editor');
INSERT INTO hub_meta VALUES('decisions', '1');
INSERT INTO hub_meta VALUES('features', '2');
INSERT INTO hub_records(id, cluster_id, source, name, source_url)
  VALUES('svc-1', NULL, 'acme', 'Job Club', 'http://127.0.0.1:1/oruk/services');
INSERT INTO hub_pending(id) VALUES('svc-1');
