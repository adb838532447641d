package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SARIF 2.1.0 (OASIS), the subset this command writes. Field order follows
// the specification's examples.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		Name                 string             `json:"name"`
		ShortDescription     sarifMessage       `json:"shortDescription"`
		FullDescription      sarifMessage       `json:"fullDescription"`
		Help                 sarifMessage       `json:"help"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
		Properties           sarifRuleProps     `json:"properties"`
	}
	sarifMessage struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags             []string `json:"tags"`
		Precision        string   `json:"precision"`
		SecuritySeverity string   `json:"security-severity"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		StartTimeUTC        string              `json:"startTimeUtc"`
		EndTimeUTC          string              `json:"endTimeUtc"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level   string       `json:"level"`
		Message sarifMessage `json:"message"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		WebRequest          *sarifWebRequest  `json:"webRequest,omitempty"`
		WebResponse         *sarifWebResponse `json:"webResponse,omitempty"`
		Properties          sarifResultProps  `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          sarifMessage  `json:"message"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifWebRequest struct {
		Protocol string `json:"protocol,omitempty"`
		Version  string `json:"version,omitempty"`
		Target   string `json:"target"`
		Method   string `json:"method"`
	}
	sarifWebResponse struct {
		Protocol     string `json:"protocol,omitempty"`
		Version      string `json:"version,omitempty"`
		StatusCode   int    `json:"statusCode,omitempty"`
		ReasonPhrase string `json:"reasonPhrase,omitempty"`
	}
	sarifResultProps struct {
		Severity string   `json:"severity"`
		URL      string   `json:"url"`
		Evidence Evidence `json:"evidence"`
		Fix      Fix      `json:"fix"`
	}
)

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// WriteSARIF writes the report as a SARIF 2.1.0 log for code scanning.
//
// Every rule of the catalogue is listed, with its help text and fix, a
// default level and the "security-severity" GitHub ranks alerts by. Each
// result's location is the URL it was found at, written as a relative
// reference "host_port/path" (GitHub code scanning accepts only
// repository-relative locations and rejects an upload with an https one);
// the absolute URL is in the location's message, in webRequest.target and
// in the result's properties, with the evidence.
func (r *Report) WriteSARIF(w io.Writer) error {
	index := map[string]int{}
	var rules []sarifRule
	for i, rule := range Rules() {
		index[rule.ID] = i
		rules = append(rules, sarifRule{
			ID:                   rule.ID,
			Name:                 ruleName(rule.Title),
			ShortDescription:     sarifMessage{Text: rule.Title},
			FullDescription:      sarifMessage{Text: rule.Description},
			Help:                 sarifMessage{Text: rule.Fix.Text + "\n\n" + rule.Fix.Snippet, Markdown: rule.Fix.Text + "\n\n```go\n" + rule.Fix.Snippet + "\n```"},
			DefaultConfiguration: sarifConfiguration{Level: rule.Severity.sarifLevel()},
			Properties:           sarifRuleProps{Tags: []string{"security", "web"}, Precision: "high", SecuritySeverity: rule.Severity.securitySeverity()},
		})
	}
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:    f.ID,
			RuleIndex: index[f.ID],
			Level:     f.Severity.sarifLevel(),
			Message:   sarifMessage{Text: f.Title + ": " + f.Detail + " Fix: " + f.Fix.Text},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(f.URL)}},
				Message:          sarifMessage{Text: f.URL},
			}},
			PartialFingerprints: map[string]string{"gatehouseScan/v1": fingerprint(f)},
			Properties:          sarifResultProps{Severity: f.Severity.String(), URL: f.URL, Evidence: f.Evidence, Fix: f.Fix},
		}
		res.WebRequest, res.WebResponse = webObjects(f)
		results = append(results, res)
	}
	inv := sarifInvocation{
		ExecutionSuccessful: true,
		StartTimeUTC:        r.Started.UTC().Format(time.RFC3339),
		EndTimeUTC:          r.Started.Add(r.Duration).UTC().Format(time.RFC3339),
	}
	for _, n := range r.Notes {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note", Message: sarifMessage{Text: n}})
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:        sarifTool{Driver: sarifDriver{Name: toolName, Version: r.Version, InformationURI: infoURI, Rules: rules}},
			Invocations: []sarifInvocation{inv},
			Results:     results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// ruleName turns a title into the PascalCase name SARIF viewers show.
func ruleName(title string) string {
	var b strings.Builder
	up := true
	for _, c := range title {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// artifactURI writes a URL as a relative reference: host (with "_port"),
// then the escaped path, no query.
func artifactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "unknown-target"
	}
	host := strings.NewReplacer(":", "_", "[", "", "]", "").Replace(u.Host)
	return (&url.URL{Path: host + u.Path}).EscapedPath()
}

// fingerprint identifies a finding across runs: the rule, the host and
// the path, never the scan's random marker.
func fingerprint(f Finding) string {
	u, err := url.Parse(f.URL)
	key := f.ID + "|" + f.URL
	if err == nil {
		key = f.ID + "|" + u.Host + "|" + u.Path
		if strings.Contains(u.Path, "gatehouse-scan-") {
			key = f.ID + "|" + u.Host + "|not-found"
		}
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// webObjects derives SARIF webRequest and webResponse objects from the
// evidence's first lines ("GET /x HTTP/1.1", "HTTP/1.1 200 OK").
func webObjects(f Finding) (*sarifWebRequest, *sarifWebResponse) {
	if len(f.Evidence.Request) == 0 || len(f.Evidence.Response) == 0 {
		return nil, nil
	}
	reqParts := strings.Fields(f.Evidence.Request[0])
	respParts := strings.SplitN(f.Evidence.Response[0], " ", 3)
	if len(reqParts) != 3 || len(respParts) < 2 || !strings.HasPrefix(reqParts[2], "HTTP/") {
		return nil, nil
	}
	code, err := strconv.Atoi(respParts[1])
	if err != nil {
		return nil, nil
	}
	proto, ver, _ := strings.Cut(reqParts[2], "/")
	rproto, rver, _ := strings.Cut(respParts[0], "/")
	req := &sarifWebRequest{Protocol: proto, Version: ver, Target: f.URL, Method: reqParts[0]}
	resp := &sarifWebResponse{Protocol: rproto, Version: rver, StatusCode: code}
	if len(respParts) == 3 {
		resp.ReasonPhrase = respParts[2]
	}
	return req, resp
}
