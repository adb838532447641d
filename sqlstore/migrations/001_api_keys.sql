-- API keys (apikey.Store). The key itself is never stored: hash is its
-- SHA-256 or HMAC-SHA256, looked up through a unique index.
CREATE TABLE IF NOT EXISTS gatehouse_api_keys (
	id               text PRIMARY KEY,
	hash             bytea NOT NULL CHECK (octet_length(hash) = 32),
	prefix           text NOT NULL,
	owner            text NOT NULL,
	name             text NOT NULL DEFAULT '',
	scopes           text[] NOT NULL DEFAULT '{}',
	allowed_networks cidr[] NOT NULL DEFAULT '{}',
	rate             text NOT NULL DEFAULT '',
	created_at       timestamptz NOT NULL,
	expires_at       timestamptz,
	revoked_at       timestamptz,
	last_used_at     timestamptz,
	usage_count      bigint NOT NULL DEFAULT 0 CHECK (usage_count >= 0)
);
CREATE UNIQUE INDEX IF NOT EXISTS gatehouse_api_keys_hash_idx ON gatehouse_api_keys (hash);
CREATE INDEX IF NOT EXISTS gatehouse_api_keys_owner_idx ON gatehouse_api_keys (owner, created_at, id);
