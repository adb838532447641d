package api

import (
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/jwtauth"
)

// keyJSON is how a key's metadata is shown: never its secret or hash.
type keyJSON struct {
	ID         string         `json:"id"`
	Key        string         `json:"key,omitempty"` // only in the answer to its creation
	Prefix     string         `json:"prefix"`
	Name       string         `json:"name"`
	Scopes     []string       `json:"scopes"`
	AllowedIPs []netip.Prefix `json:"allowed_ips,omitempty"`
	Created    time.Time      `json:"created"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	RevokedAt  *time.Time     `json:"revoked_at,omitempty"`
	LastUsed   *time.Time     `json:"last_used,omitempty"`
	UsageCount int64          `json:"usage_count"`
}

func showKey(k apikey.Key) keyJSON {
	scopes := k.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return keyJSON{
		ID: k.ID, Prefix: k.Prefix, Name: k.Name, Scopes: scopes, AllowedIPs: k.AllowedNetworks,
		Created: k.Created.UTC(), ExpiresAt: timeJSON(k.Expires), RevokedAt: timeJSON(k.RevokedAt),
		LastUsed: timeJSON(k.LastUsed), UsageCount: k.UsageCount,
	}
}

// owner returns the authenticated user, or answers 401 itself.
func (a *App) owner(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, ok := jwtauth.ClaimsFrom[Claims](r.Context())
	if !ok || c.Subject == "" {
		a.Auth.WriteError(w, r, jwtauth.ErrMissingToken)
		return "", false
	}
	return c.Subject, true
}

// CreateKey handles POST /api/keys {name, scopes, expires_in, allowed_ips}:
// 201 with the key's metadata and, this once, the key itself. The key
// belongs to the authenticated user. expires_in is in seconds (0 or absent:
// the longest lifetime allowed); scopes must be among App.KeyScopes.
func (a *App) CreateKey(w http.ResponseWriter, r *http.Request) {
	owner, ok := a.owner(w, r)
	if !ok {
		return
	}
	var req struct {
		Name       string   `json:"name"`
		Scopes     []string `json:"scopes"`
		ExpiresIn  int64    `json:"expires_in"`
		AllowedIPs []string `json:"allowed_ips"`
	}
	if !decode(w, r, &req) {
		return
	}
	for _, s := range req.Scopes {
		if !slices.Contains(a.KeyScopes, s) {
			ErrInvalidScope.WriteWith(w, map[string]any{"allowed_scopes": a.KeyScopes})
			return
		}
	}
	nets, err := apikey.ParseNetworks(req.AllowedIPs...)
	if err != nil {
		ErrInvalidNetworks.Write(w)
		return
	}
	var expires time.Time
	switch {
	case req.ExpiresIn < 0 || req.ExpiresIn > int64(100*365*24*time.Hour/time.Second):
		ErrInvalidKey.Write(w)
		return
	case req.ExpiresIn > 0:
		expires = time.Now().Add(time.Duration(req.ExpiresIn) * time.Second)
	}
	secret, k, err := a.Keys.Create(r.Context(), apikey.CreateRequest{
		Owner: owner, Name: req.Name, Scopes: req.Scopes, AllowedNetworks: nets, Expires: expires,
	})
	switch {
	case errors.Is(err, apikey.ErrInvalidRequest):
		ErrInvalidKey.Write(w)
		return
	case errors.Is(err, apikey.ErrTooManyKeys):
		ErrTooManyKeys.Write(w)
		return
	case err != nil:
		a.fail(w, r, ErrUnavailable, "creating an api key failed", err)
		return
	}
	out := showKey(k)
	out.Key = secret
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

// ListKeys handles GET /api/keys: the caller's own keys, revoked and
// expired ones included, without secrets.
func (a *App) ListKeys(w http.ResponseWriter, r *http.Request) {
	owner, ok := a.owner(w, r)
	if !ok {
		return
	}
	keys, err := a.Keys.List(r.Context(), owner)
	if err != nil {
		a.fail(w, r, ErrUnavailable, "listing api keys failed", err)
		return
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, showKey(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

// DeleteKey handles DELETE /api/keys/{id}: 204 once the caller's key is
// revoked. A key of another user answers 404 exactly as a key that does
// not exist, so that ids cannot be probed.
func (a *App) DeleteKey(w http.ResponseWriter, r *http.Request) {
	owner, ok := a.owner(w, r)
	if !ok {
		return
	}
	err := a.Keys.Revoke(r.Context(), owner, r.PathValue("id"))
	switch {
	case errors.Is(err, apikey.ErrNotFound):
		ErrNotFound.Write(w)
	case err != nil:
		a.fail(w, r, ErrUnavailable, "revoking an api key failed", err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
