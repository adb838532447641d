package ratelimit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		interval time.Duration
		burst    int
		str      string
	}{
		{"five per minute allows five at once and one every twelve seconds", "5/minute", 12 * time.Second, 5, "5/minute"},
		{"an hour abbreviated as h", "100/h", 36 * time.Second, 100, "100/hour"},
		{"three per hour", "3/hour", 20 * time.Minute, 3, "3/hour"},
		{"an explicit burst overrides the count", "10/s burst 20", 100 * time.Millisecond, 20, "10/second burst 20"},
		{"per as the separator", "10 per second", 100 * time.Millisecond, 10, "10/second"},
		{"a number of units", "20/5m", 15 * time.Second, 20, "20/5m0s"},
		{"a number of units with a space", "20/5 minutes", 15 * time.Second, 20, "20/5m0s"},
		{"a Go duration after the slash", "1/300ms burst 5", 300 * time.Millisecond, 5, "1/300ms burst 5"},
		{"a compound Go duration", "3/1m30s", 30 * time.Second, 3, "3/1m30s"},
		{"days", "1000/day", 86400 * time.Millisecond, 1000, "1000/day"},
		{"upper case and spaces are accepted", "  5 / MINUTE  BURST 7 ", 12 * time.Second, 7, "5/minute burst 7"},
		{"plural units", "2/seconds", 500 * time.Millisecond, 2, "2/second"},
		{"an interval that does not divide evenly is rounded up", "3/s", 333333334, 3, "3/second"},
		{"sixty seconds is a minute", "5/60s", 12 * time.Second, 5, "5/minute"},
		{"a burst smaller than the count", "100/m burst 1", 600 * time.Millisecond, 1, "100/minute burst 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRate(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.interval, r.Interval())
			require.Equal(t, tt.burst, r.Burst())
			require.Equal(t, tt.str, r.String())
			back, err := ParseRate(r.String())
			require.NoError(t, err)
			require.Equal(t, r, back, "String round-trips through ParseRate")
		})
	}
}

func TestParseRateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"an empty string is rejected", "", "empty"},
		{"a missing separator is rejected", "5 minute", `expected "<count>/<unit>"`},
		{"a zero count is rejected", "0/minute", "count must be at least 1"},
		{"a negative count is rejected", "-5/minute", "count must be a whole number"},
		{"a fractional count is rejected", "1.5/minute", "count must be a whole number"},
		{"an unknown unit is rejected", "5/fortnight", "unknown unit"},
		{"a missing unit is rejected", "5/", "missing unit"},
		{"a zero period is rejected", "5/0s", "period must be positive"},
		{"a zero number of units is rejected", "5/0 minutes", "period must be positive"},
		{"a negative duration is rejected", "5/-1m", "period must be positive"},
		{"a zero burst is rejected", "5/m burst 0", "burst must be at least 1"},
		{"a missing burst value is rejected", "5/m burst", "missing burst"},
		{"burst glued to the unit is rejected", "5/mburst 3", `"burst" must follow`},
		{"a huge count is rejected", "99999999999/s", "count too large"},
		{"a burst over the maximum is rejected", "5/s burst 2000000000", "burst must be at most"},
		{"more than one event per nanosecond is rejected", "1001/1us", "faster than one event per nanosecond"},
		{"a window over a hundred years is rejected", "1/36500d burst 2", "exceeds"},
		{"an overflowing number of days is rejected", "1/999999d", "period too long"},
		{"an over-long string is rejected", "5/minute" + strings.Repeat(" ", 200), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRate(tt.in)
			require.Error(t, err)
			require.True(t, r.IsZero())
			require.True(t, strings.HasPrefix(err.Error(), "ratelimit: "), err.Error())
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRateConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		r        Rate
		interval time.Duration
		burst    int
	}{
		{"PerSecond is n per second, burst n", PerSecond(10), 100 * time.Millisecond, 10},
		{"PerMinute is n per minute, burst n", PerMinute(5), 12 * time.Second, 5},
		{"PerHour is n per hour, burst n", PerHour(100), 36 * time.Second, 100},
		{"PerDay is n per day, burst n", PerDay(24), time.Hour, 24},
		{"Every is one per interval with a burst", Every(time.Second, 3), time.Second, 3},
		{"WithBurst changes only the burst", PerMinute(5).WithBurst(1), 12 * time.Second, 1},
		{"FromLimit takes x/time/rate's events per second", FromLimit(10, 20), 100 * time.Millisecond, 20},
		{"FromLimit of rate.Every round-trips exactly", FromLimit(rate.Every(12*time.Second), 5), 12 * time.Second, 5},
		{"FromLimit rounds an inexact interval up", FromLimit(3, 1), 333333334, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.False(t, tt.r.IsZero())
			require.Equal(t, tt.interval, tt.r.Interval())
			require.Equal(t, tt.burst, tt.r.Burst())
			require.Equal(t, time.Duration(tt.burst)*tt.interval, tt.r.Window())
		})
	}
	require.Equal(t, Every(12*time.Second, 5), FromLimit(rate.Every(12*time.Second), 5))
	require.InDelta(t, 10.0, float64(PerSecond(10).Limit()), 1e-9)
}

func TestInvalidConstructorArgumentsGiveTheZeroRate(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]Rate{
		"PerSecond(0)":           PerSecond(0),
		"PerMinute(-1)":          PerMinute(-1),
		"Every(0, 1)":            Every(0, 1),
		"Every(time.Second, 0)":  Every(time.Second, 0),
		"FromLimit(rate.Inf, 1)": FromLimit(rate.Inf, 1),
		"FromLimit(0, 1)":        FromLimit(0, 1),
		"FromLimit(-1, 1)":       FromLimit(-1, 1),
		"zero WithBurst":         Rate{}.WithBurst(3),
		"burst too large":        PerSecond(1).WithBurst(MaxBurst + 1),
	} {
		require.True(t, r.IsZero(), name)
	}
	require.Equal(t, "", Rate{}.String())
	require.Equal(t, rate.Limit(0), Rate{}.Limit())
}

func TestRateTextEncoding(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Login Rate `json:"login"`
		API   Rate `json:"api"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"login":"5/minute","api":"10/s burst 20"}`), &cfg))
	require.Equal(t, PerMinute(5), cfg.Login)
	require.Equal(t, PerSecond(10).WithBurst(20), cfg.API)
	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	require.JSONEq(t, `{"login":"5/minute","api":"10/second burst 20"}`, string(out))

	err = json.Unmarshal([]byte(`{"login":"5 a minute"}`), &cfg)
	require.ErrorContains(t, err, "ratelimit: invalid rate")
	_, err = Rate{}.MarshalText()
	require.Error(t, err)
}
