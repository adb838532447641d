package scan_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// sarifSchema compiles testdata/sarif-2.1.0.json with format assertions on,
// so that "uri", "uri-reference" and "date-time" values are checked too.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-2.1.0.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("sarif-2.1.0.json", doc))
	s, err := c.Compile("sarif-2.1.0.json")
	require.NoError(t, err)
	return s
}

func validateSARIF(t *testing.T, schema *jsonschema.Schema, r *scan.Report) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.WriteSARIF(&buf))
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(inst), "%s", buf.String())
	var log map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	return log
}

func TestSARIFIsValidAgainstTheSchema(t *testing.T) {
	t.Parallel()
	schema := sarifSchema(t)
	tg := startTLS(t, everything, tlsSetup{minVersion: 0x0301, validFor: 10 * 24 * time.Hour, plainServes: true})
	r := runScan(t, tg.cfg)
	require.NotEmpty(t, r.Findings)
	log := validateSARIF(t, schema, r)

	require.Equal(t, "2.1.0", log["version"])
	run := log["runs"].([]any)[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	require.Equal(t, "gatehouse-scan", driver["name"])
	rules := driver["rules"].([]any)
	require.Len(t, rules, len(scan.Rules()))
	results := run["results"].([]any)
	require.Len(t, results, len(r.Findings))
	levels := map[scan.Severity]string{scan.Critical: "error", scan.High: "error", scan.Medium: "warning", scan.Low: "note", scan.Info: "note"}
	for i, raw := range results {
		res := raw.(map[string]any)
		f := r.Findings[i]
		require.Equal(t, f.ID, res["ruleId"])
		rule := rules[int(res["ruleIndex"].(float64))].(map[string]any)
		require.Equal(t, f.ID, rule["id"], "ruleIndex points at the result's rule")
		require.NotEmpty(t, rule["help"].(map[string]any)["text"])
		require.NotEmpty(t, rule["properties"].(map[string]any)["security-severity"])
		require.Equal(t, levels[f.Severity], res["level"])
		loc := res["locations"].([]any)[0].(map[string]any)
		uri := loc["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"].(string)
		u, err := url.Parse(uri)
		require.NoError(t, err)
		require.Empty(t, u.Scheme, "code scanning refuses absolute locations: %s", uri)
		require.Equal(t, f.URL, loc["message"].(map[string]any)["text"], "the target URL is the location's message")
	}
}

func TestSARIFOfACleanScanIsValid(t *testing.T) {
	t.Parallel()
	r := runScan(t, startHTTP(t, fixture{}).cfg)
	require.Empty(t, r.Findings)
	log := validateSARIF(t, sarifSchema(t), r)
	run := log["runs"].([]any)[0].(map[string]any)
	require.Empty(t, run["results"])
	notes := run["invocations"].([]any)[0].(map[string]any)["toolExecutionNotifications"].([]any)
	require.Len(t, notes, len(r.Notes))
}

func TestSARIFFingerprintsAreStableAcrossRuns(t *testing.T) {
	t.Parallel()
	tg := startHTTP(t, fixture{echoErrors: true, noNosniff: true})
	prints := func() map[string]string {
		var buf bytes.Buffer
		require.NoError(t, runScan(t, tg.cfg).WriteSARIF(&buf))
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID              string            `json:"ruleId"`
					PartialFingerprints map[string]string `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
		out := map[string]string{}
		for _, res := range log.Runs[0].Results {
			out[res.RuleID] = res.PartialFingerprints["gatehouseScan/v1"]
		}
		return out
	}
	first, second := prints(), prints()
	require.Contains(t, first, "GH-ERR-005", "the finding whose URL holds the random marker")
	require.Equal(t, first, second)
}

func TestSchemaRejectsBrokenSARIF(t *testing.T) {
	t.Parallel()
	schema := sarifSchema(t)
	for name, doc := range map[string]string{
		"an unknown level is rejected":         `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a","level":"fatal","message":{"text":"m"}}]}]}`,
		"a result without message is rejected": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"}]}]}`,
		"a wrong version is rejected":          `{"version":"2.0.0","runs":[]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
		require.NoError(t, err)
		require.Error(t, schema.Validate(inst), name)
	}
}
