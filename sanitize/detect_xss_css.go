package sanitize

import "bytes"

// cssExpression reports IE's CSS expression() in a property value,
// Mozilla's -moz-binding and IE's behavior: url(). b has had its CSS
// comments removed ("expr/*x*/ession(" reads "expression(").
func cssExpression(b []byte) bool {
	if bytes.Contains(b, []byte("-moz-binding")) {
		return true
	}
	for _, kw := range [...]string{"expression", "behavior", "behaviour"} {
		for off := 0; off < len(b); {
			j := bytes.Index(b[off:], []byte(kw))
			if j < 0 {
				break
			}
			start := off + j
			k := start + len(kw)
			for k < len(b) && isSpace(b[k]) {
				k++
			}
			if kw == "expression" {
				if k < len(b) && b[k] == '(' && precededByColon(b, start) {
					return true
				}
			} else if k < len(b) && b[k] == ':' {
				k++
				for k < len(b) && isSpace(b[k]) {
					k++
				}
				if bytes.HasPrefix(b[k:], []byte("url")) {
					return true
				}
			}
			off = start + len(kw)
		}
	}
	return false
}

func precededByColon(b []byte, i int) bool {
	i--
	for i >= 0 && isSpace(b[i]) {
		i--
	}
	return i >= 0 && b[i] == ':'
}

// stripCSSComments appends b to dst without /* ... */ comments; an
// unclosed comment runs to the end.
func stripCSSComments(dst, b []byte) []byte {
	for {
		i := bytes.Index(b, []byte("/*"))
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		e := bytes.Index(b[i+2:], []byte("*/"))
		if e < 0 {
			return dst
		}
		b = b[i+2+e+2:]
	}
}

// knownEvent reports whether name (after "on") is a DOM event name.
func knownEvent(name []byte) bool { return domEvents[string(name)] }

var domEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range []string{
		"abort", "activate", "afterprint", "afterscriptexecute", "animationcancel", "animationend",
		"animationiteration", "animationstart", "auxclick", "beforeactivate", "beforecopy", "beforecut",
		"beforedeactivate", "beforeinput", "beforepaste", "beforeprint", "beforescriptexecute",
		"beforetoggle", "beforeunload", "begin", "blur", "bounce", "cancel", "canplay", "canplaythrough",
		"change", "click", "close", "contextmenu", "copy", "cuechange", "cut", "dblclick", "deactivate",
		"drag", "dragend", "dragenter", "dragexit", "dragleave", "dragover", "dragstart", "drop",
		"durationchange", "emptied", "end", "ended", "error", "finish", "focus", "focusin", "focusout",
		"formdata", "fullscreenchange", "hashchange", "input", "invalid", "keydown", "keypress", "keyup",
		"load", "loadeddata", "loadedmetadata", "loadend", "loadstart", "message", "mousedown",
		"mouseenter", "mouseleave", "mousemove", "mouseout", "mouseover", "mouseup", "mousewheel",
		"offline", "online", "pagehide", "pageshow", "paste", "pause", "play", "playing",
		"pointercancel", "pointerdown", "pointerenter", "pointerleave", "pointermove", "pointerout",
		"pointerover", "pointerrawupdate", "pointerup", "popstate", "progress", "ratechange", "readystatechange",
		"repeat", "reset", "resize", "scroll", "scrollend", "search", "securitypolicyviolation", "seeked",
		"seeking", "select", "selectionchange", "selectstart", "show", "start", "stalled", "storage",
		"submit", "suspend", "timeupdate", "toggle", "touchcancel", "touchend", "touchmove", "touchstart",
		"transitioncancel", "transitionend", "transitionrun", "transitionstart", "unhandledrejection",
		"unload", "volumechange", "waiting", "webkitanimationend", "webkitanimationiteration",
		"webkitanimationstart", "webkittransitionend", "wheel", "zoom",
	} {
		m[e] = true
	}
	return m
}()
