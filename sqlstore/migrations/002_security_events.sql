-- Security events (audit.Recorder, audit.Querier): an append-only,
-- hash-chained log. seq numbers rows without gaps from 1; mac is
-- HMAC-SHA256 over the previous row's mac and this row's canonical content
-- (see audit_chain.go). security_events_head holds the last seq and mac;
-- appenders lock its one row, which serializes them across processes.
CREATE TABLE IF NOT EXISTS security_events (
	seq         bigint PRIMARY KEY CHECK (seq > 0),
	time        timestamptz NOT NULL,
	type        text NOT NULL,
	severity    smallint NOT NULL CHECK (severity BETWEEN 0 AND 2),
	outcome     text NOT NULL DEFAULT '',
	actor       text NOT NULL DEFAULT '',
	client_ip   inet,
	user_agent  text NOT NULL DEFAULT '',
	request_id  text NOT NULL DEFAULT '',
	method      text NOT NULL DEFAULT '',
	path        text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT '',
	source      text NOT NULL DEFAULT '',
	details     jsonb NOT NULL DEFAULT '{}',
	mac         bytea NOT NULL CHECK (octet_length(mac) = 32)
);
CREATE INDEX IF NOT EXISTS security_events_type_idx ON security_events (type, seq);
CREATE INDEX IF NOT EXISTS security_events_actor_idx ON security_events (actor, seq);
CREATE INDEX IF NOT EXISTS security_events_time_idx ON security_events (time);

CREATE TABLE IF NOT EXISTS security_events_head (
	id  boolean PRIMARY KEY DEFAULT true CHECK (id),
	seq bigint NOT NULL CHECK (seq >= 0),
	mac bytea NOT NULL CHECK (octet_length(mac) = 32)
);
INSERT INTO security_events_head (id, seq, mac)
VALUES (true, 0, decode(repeat('00', 32), 'hex'))
ON CONFLICT (id) DO NOTHING;

-- Rows are never changed or removed by the application. These triggers
-- stop mistakes and casual edits; someone who owns the table can drop them,
-- which is what the MAC chain and Verify are for.
CREATE OR REPLACE FUNCTION security_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'security_events is append-only';
END
$$;
DROP TRIGGER IF EXISTS security_events_no_change ON security_events;
CREATE TRIGGER security_events_no_change BEFORE UPDATE OR DELETE ON security_events
	FOR EACH ROW EXECUTE FUNCTION security_events_append_only();
DROP TRIGGER IF EXISTS security_events_no_truncate ON security_events;
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events
	FOR EACH STATEMENT EXECUTE FUNCTION security_events_append_only();
