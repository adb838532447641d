package sqlstore_test

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/sqlstore"
)

// API keys in PostgreSQL, with a short cache in front and the audit trail
// in the same database. (Examples in this package need a server, so they
// are compiled but not run; the tests run the same code.)
func Example() {
	ctx := context.Background()
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, db); err != nil {
		log.Fatal(err)
	}
	events, err := sqlstore.NewAuditLog(db, sqlstore.AuditOptions{Key: []byte(os.Getenv("AUDIT_KEY"))})
	if err != nil {
		log.Fatal(err)
	}
	defer events.Close(ctx)

	store, err := apikey.NewCache(sqlstore.NewAPIKeyStore(db), apikey.CacheOptions{TTL: 10 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	pepper := []byte(os.Getenv("API_KEY_PEPPER"))
	auth, err := apikey.New(apikey.Options{Store: store, Pepper: pepper, Audit: events})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close(ctx)
	log.Fatal(http.ListenAndServe(":8080", auth.Handler(http.NotFoundHandler())))
}

// Verify the chain, against the head exported at the last check.
func ExampleVerifySecurityEvents() {
	ctx := context.Background()
	db, _ := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	expected, _ := sqlstore.ParseChainHead(os.Getenv("LAST_EXPORTED_HEAD")) // "1234:9f86d0…"
	report, err := sqlstore.VerifySecurityEvents(ctx, db, []byte(os.Getenv("AUDIT_KEY")), sqlstore.VerifyOptions{Expected: expected})
	if err != nil {
		log.Fatal(err) // a *sqlstore.TamperError says where and how
	}
	// Export the new head somewhere the database's users cannot write.
	log.Printf("security_events verified: %d rows, head %s", report.Rows, report.Head)
}

// Recent failed logins of one user, for an admin view.
func ExampleAuditLog_Query() {
	ctx := context.Background()
	var events *sqlstore.AuditLog // from NewAuditLog
	list, err := events.Query(ctx, audit.Filter{
		Types: []audit.Type{audit.AuthnLoginFail},
		Actor: "user-42",
		Since: time.Now().Add(-24 * time.Hour),
		Limit: 50,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range list {
		log.Println(e.Time, e.ClientIP, e.Details["reason"])
	}
}
