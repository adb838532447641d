// Package sqlstore implements Gatehouse's storage interfaces on PostgreSQL
// through database/sql and the pgx driver: API keys (APIKeyStore, an
// apikey.Store) and an append-only, tamper-evident table of security events
// (AuditLog, an audit.Recorder and audit.Querier).
//
// Queries are parameterized, schema changes ship as SQL applied by Migrate,
// and writes that are not needed to answer a request (usage counters, audit
// events) are batched off the request path.
//
//	db, err := sql.Open("pgx", "postgres://user@127.0.0.1:5432/app?sslmode=disable")
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := sqlstore.Migrate(ctx, db); err != nil { // idempotent
//		log.Fatal(err)
//	}
//	keys := sqlstore.NewAPIKeyStore(db)            // for apikey.Options.Store
//	events, err := sqlstore.NewAuditLog(db, sqlstore.AuditOptions{Key: auditKey})
//	defer events.Close(ctx)                        // writes what is queued
//
// Tables, in the connection's current schema: gatehouse_api_keys,
// security_events and security_events_head, gatehouse_migrations.
//
// # Tamper evidence
//
// Each security_events row carries a gapless sequence number and an
// HMAC-SHA256, under a key the database never sees, of the previous row's
// MAC and the row's canonical content. Someone who can write the table but
// lacks the key cannot edit, insert, delete or reorder rows without
// VerifySecurityEvents reporting the first place where they did. Deleting
// the newest rows (and rolling security_events_head back) is detected
// against a ChainHead exported earlier to a place outside the database
// (VerifyOptions.Expected).
//
// Tests run against a real server named by GATEHOUSE_POSTGRES_URL and are
// skipped without it; each test works in a schema of its own.
package sqlstore
