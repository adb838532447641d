package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	// The pgx driver, registered as "pgx" for database/sql.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Ping checks that the database answers, for health checks and start-up.
func Ping(ctx context.Context, db *sql.DB) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	return nil
}
