// Package sqlstore implements Gatehouse's storage interfaces on PostgreSQL
// through database/sql and the pgx driver: API keys (apikey.Store) and
// an append-only, tamper-evident table of security events (audit.Recorder).
//
// Queries are parameterized, schema changes ship as SQL applied by Migrate,
// and writes that are not needed to answer a request (usage counters, audit
// events) are batched off the request path.
//
//	db, err := sql.Open("pgx", "postgres://user@127.0.0.1:5432/app?sslmode=disable")
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := sqlstore.Ping(ctx, db); err != nil {
//		log.Fatal(err)
//	}
//
// Tests run against a real server named by GATEHOUSE_POSTGRES_URL and are
// skipped without it; each test works in a schema of its own.
package sqlstore
