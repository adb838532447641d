// Package redisstore implements Gatehouse's storage interfaces on Redis, so
// that several instances of a service share rate limits, token revocations,
// refresh-token families and login-attempt counters.
//
// Every store takes a redis.UniversalClient (a single node, a Sentinel
// failover client or a Cluster client) and a key prefix (default
// "gatehouse:"). Multi-key operations run as Lua scripts whose keys share a
// Redis Cluster hash tag, every key is written with a TTL, and time comes
// from the Redis server (TIME) where instance clocks could disagree.
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	if err := redisstore.Ping(ctx, client); err != nil {
//		log.Fatal(err)
//	}
//
// Tests run against a real server named by GATEHOUSE_REDIS_URL
// (redis://127.0.0.1:6379/0) and are skipped without it.
package redisstore
