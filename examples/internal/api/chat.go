package api

import (
	"net/http"
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
	writeJSON(w, http.StatusOK, cannedReply)
}
