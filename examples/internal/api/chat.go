package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxMessageRunes bounds a chat message.
const maxMessageRunes = 4000

type chatReply struct {
	Reply string `json:"reply"`
	Model string `json:"model"`
}

// cannedReply is what the example agent says to everything: the example
// shows how the endpoint is protected, not a model.
var cannedReply = chatReply{
	Reply: "Hello from the Gatehouse example agent. This reply is canned; a real platform would call its model here.",
	Model: "gatehouse-example",
}

// cannedBody is cannedReply as sent, encoded once.
var cannedBody = func() []byte {
	b, err := json.Marshal(cannedReply)
	if err != nil {
		panic(err) // a struct of two strings always marshals
	}
	return append(b, '\n')
}()

// Chat handles POST /api/agent/chat {message}: a canned reply. The
// message is checked but never interpreted, stored or echoed.
func (a *App) Chat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message string `json:"message"`
	}
	if !decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Message) == "" || utf8.RuneCountInString(req.Message) > maxMessageRunes {
		ErrInvalidMessage.Write(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(cannedBody)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cannedBody)
}
