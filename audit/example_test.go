package audit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Record events through an asynchronous queue into a ring buffer, and read
// them back newest first, as an admin endpoint would.
func Example() {
	ring := audit.NewMemory(100)
	rec := audit.NewAsync(ring, audit.AsyncOptions{})

	r := httptest.NewRequest(http.MethodPost, "/api/auth/login", nil)
	e := audit.FromRequest(r, audit.AuthnLoginFail, audit.SeverityWarn)
	e.Actor = "alice"
	e.Outcome = audit.OutcomeFailure
	rec.Record(r.Context(), e)

	_ = rec.Close(context.Background()) // drains the queue
	events, _ := ring.Query(context.Background(), audit.Filter{Types: []audit.Type{audit.AuthnLoginFail}})
	for _, e := range events {
		fmt.Println(e.Type, e.Severity, e.Actor, e.Method, e.Path)
	}
	// Output:
	// authn_login_fail warn alice POST /api/auth/login
}

// Secrets appear in logs only as fingerprints.
func ExampleRedactHeader() {
	fmt.Println(audit.RedactHeader("Authorization", "Bearer my-secret-token"))
	fmt.Println(audit.RedactHeader("Cookie", "session=abc123"))
	// Output:
	// Bearer sha256:ea5add57437c
	// session=sha256:6ca13d52ca70
}

// Client-controlled strings cannot forge log lines.
func ExampleClean() {
	fmt.Printf("%+q\n", audit.Clean("curl\r\n{\"type\":\"authn_login_success\"}", 0))
	// Output:
	// "curl\ufffd\ufffd{\"type\":\"authn_login_success\"}"
}
