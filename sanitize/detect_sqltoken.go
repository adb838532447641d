package sanitize

import "bytes"

// SQL token kinds.
const (
	tNum     uint8 = iota + 1 // 1, 0x1f, 1.5e3
	tStr                      // 'text', "text", n'text', x'1f'
	tStrOpen                  // a string literal that runs to the end
	tWord                     // identifier or other word
	tKeyword                  // SQL keyword (kw holds which)
	tLogic                    // and, or, xor, &&, ||
	tCmp                      // = < > <= >= != <> <=> like rlike regexp is in between sounds glob
	tOp                       // + - * / % ^ | & ~ ! ::
	tFunc                     // identifier followed by "("
	tVar                      // @name, @@name
	tLParen
	tRParen
	tComma
	tSemi
	tDot
	tComment // a comment that runs to the end of the line or the input
	tOther
)

// Keywords the grammar looks at.
const (
	kwNone uint8 = iota
	kwSelect
	kwUnion
	kwAll
	kwDistinct
	kwFrom
	kwInsert
	kwInto
	kwUpdate
	kwSet
	kwDelete
	kwDrop
	kwCreate
	kwAlter
	kwTruncate
	kwTable
	kwExec
	kwDeclare
	kwWaitfor
	kwDelay
	kwShutdown
	kwBegin
	kwOrder
	kwGroup
	kwBy
	kwHaving
	kwNull
	kwNot
	kwTrue
	kwExists
	kwOutfile
	kwLimit
	kwObject // database, schema, view, index, procedure, function, trigger, user, column, login
	kwWhere
)

// sqlWords lists the words the tokenizer classifies, with their kind and
// keyword; the table is indexed by first letter and length.
var sqlWords = [...]struct {
	word     string
	kind, kw uint8
}{
	{"select", tKeyword, kwSelect}, {"union", tKeyword, kwUnion}, {"all", tKeyword, kwAll},
	{"distinct", tKeyword, kwDistinct}, {"from", tKeyword, kwFrom}, {"insert", tKeyword, kwInsert},
	{"into", tKeyword, kwInto}, {"update", tKeyword, kwUpdate}, {"set", tKeyword, kwSet},
	{"delete", tKeyword, kwDelete}, {"drop", tKeyword, kwDrop}, {"create", tKeyword, kwCreate},
	{"alter", tKeyword, kwAlter}, {"truncate", tKeyword, kwTruncate}, {"table", tKeyword, kwTable},
	{"exec", tKeyword, kwExec}, {"execute", tKeyword, kwExec}, {"declare", tKeyword, kwDeclare},
	{"waitfor", tKeyword, kwWaitfor}, {"delay", tKeyword, kwDelay}, {"shutdown", tKeyword, kwShutdown},
	{"begin", tKeyword, kwBegin}, {"order", tKeyword, kwOrder}, {"group", tKeyword, kwGroup},
	{"by", tKeyword, kwBy}, {"having", tKeyword, kwHaving}, {"null", tKeyword, kwNull},
	{"not", tKeyword, kwNot}, {"true", tKeyword, kwTrue}, {"false", tKeyword, kwTrue},
	{"exists", tKeyword, kwExists}, {"outfile", tKeyword, kwOutfile}, {"dumpfile", tKeyword, kwOutfile},
	{"limit", tKeyword, kwLimit}, {"where", tKeyword, kwWhere}, {"database", tKeyword, kwObject},
	{"schema", tKeyword, kwObject}, {"view", tKeyword, kwObject}, {"index", tKeyword, kwObject},
	{"procedure", tKeyword, kwObject}, {"function", tKeyword, kwObject}, {"trigger", tKeyword, kwObject},
	{"user", tKeyword, kwObject}, {"column", tKeyword, kwObject}, {"login", tKeyword, kwObject},
	{"and", tLogic, 0}, {"or", tLogic, 0}, {"xor", tLogic, 0},
	{"like", tCmp, 0}, {"rlike", tCmp, 0}, {"regexp", tCmp, 0}, {"is", tCmp, 0}, {"in", tCmp, 0},
	{"between", tCmp, 0}, {"sounds", tCmp, 0}, {"glob", tCmp, 0}, {"div", tOp, 0}, {"mod", tOp, 0},
}

// sqlWordIndex lists, per first letter, the indexes into sqlWords.
var sqlWordIndex = func() (t [26][]uint8) {
	for i, w := range sqlWords {
		t[w.word[0]-'a'] = append(t[w.word[0]-'a'], uint8(i))
	}
	return t
}()

// classifyWord returns the kind and keyword of a lower-case word.
func classifyWord(w []byte) (kind, kw uint8) {
	if len(w) < 2 || len(w) > 9 || w[0] < 'a' || w[0] > 'z' {
		return tWord, 0
	}
	for _, i := range sqlWordIndex[w[0]-'a'] {
		if e := &sqlWords[i]; len(e.word) == len(w) && string(w) == e.word {
			return e.kind, e.kw
		}
	}
	return tWord, 0
}

// sqlToken is one token; start and end index the normalized input.
type sqlToken struct {
	kind   uint8
	kw     uint8
	symbol bool // a symbolic comparison (= < > ...), or an empty trailing comment
	start  int32
	end    int32
}

// sqlTokenize reads up to max tokens of b from i.
func sqlTokenize(b []byte, i int, toks []sqlToken, max int) []sqlToken {
	add := func(kind uint8, start, end int) {
		toks = append(toks, sqlToken{kind: kind, start: int32(start), end: int32(end)})
	}
	for i < len(b) && len(toks) < max {
		c := b[i]
		var next byte
		if i+1 < len(b) {
			next = b[i+1]
		}
		switch {
		case isSpace(c):
			i++
		case c == '/' && next == '*':
			if i+2 < len(b) && b[i+2] == '!' {
				// MySQL executable comment: its content is SQL.
				i += 3
				for i < len(b) && isDigit(b[i]) {
					i++
				}
				continue
			}
			e := bytes.Index(b[i+2:], []byte("*/"))
			if e < 0 {
				toks = append(toks, sqlToken{kind: tComment, start: int32(i), end: int32(len(b)), symbol: blank(b[i+2:])})
				return toks
			}
			i += e + 4 // an inline comment is whitespace
		case c == '*' && next == '/':
			i += 2 // the end of a /*! comment
		case c == '-' && next == '-', c == '#':
			e := bytes.IndexByte(b[i:], '\n')
			if e < 0 {
				e = len(b) - i
			}
			skip := 1
			if c == '-' {
				skip = 2
			}
			toks = append(toks, sqlToken{kind: tComment, start: int32(i), end: int32(i + e), symbol: blank(b[i+skip : i+e])})
			i += e
		case c == '\'' || c == '"':
			j, closed := scanSQLString(b, i)
			kind := tStr
			if !closed {
				kind = tStrOpen
			}
			add(kind, i, j)
			i = j
		case c == '`':
			j := bytes.IndexByte(b[i+1:], '`')
			if j < 0 {
				j = len(b) - i - 1
			}
			add(tWord, i, i+j+2)
			i += j + 2
		case isDigit(c) || (c == '.' && isDigit(next)):
			j := scanSQLNumber(b, i)
			if j < len(b) && isWordByte(b[j]) {
				for j < len(b) && isWordByte(b[j]) {
					j++
				}
				add(tWord, i, j)
			} else {
				add(tNum, i, j)
			}
			i = j
		case c == '@':
			j := i + 1
			if next == '@' {
				j++
			}
			for j < len(b) && isWordByte(b[j]) {
				j++
			}
			add(tVar, i, j)
			i = j
		case isWordByte(c):
			j := i
			for j < len(b) && isWordByte(b[j]) {
				j++
			}
			// n'..', x'..', b'..', _utf8'..' are string literals.
			if j < len(b) && b[j] == '\'' && (j-i == 1 && (c == 'n' || c == 'x' || c == 'b') || bytes.HasPrefix(b[i:j], []byte("_"))) {
				k, closed := scanSQLString(b, j)
				kind := tStr
				if !closed {
					kind = tStrOpen
				}
				add(kind, i, k)
				i = k
				continue
			}
			t := sqlToken{start: int32(i), end: int32(j)}
			t.kind, t.kw = classifyWord(b[i:j])
			k := j
			for k < len(b) && isSpace(b[k]) {
				k++
			}
			if k < len(b) && b[k] == '(' && (t.kind == tWord && c < 0x80 || t.kw == kwExists) {
				t.kind = tFunc
			}
			toks = append(toks, t)
			i = j
		case c == '(':
			add(tLParen, i, i+1)
			i++
		case c == ')':
			add(tRParen, i, i+1)
			i++
		case c == ',':
			add(tComma, i, i+1)
			i++
		case c == ';':
			add(tSemi, i, i+1)
			i++
		case c == '.':
			add(tDot, i, i+1)
			i++
		case c == '&' && next == '&', c == '|' && next == '|':
			add(tLogic, i, i+2)
			i += 2
		case c == '<' || c == '>' || c == '=' || (c == '!' && next == '='):
			j := i + 1
			for j < len(b) && j < i+3 && (b[j] == '=' || b[j] == '>' || b[j] == '<') {
				j++
			}
			toks = append(toks, sqlToken{kind: tCmp, symbol: true, start: int32(i), end: int32(j)})
			i = j
		case bytes.IndexByte([]byte("+-*/%^|&~!:"), c) >= 0:
			add(tOp, i, i+1)
			i++
		default:
			add(tOther, i, i+1)
			i++
		}
	}
	return toks
}

// scanSQLString scans a literal opening at b[i] and returns the index after
// it and whether it was closed. A doubled quote or a backslash escapes.
func scanSQLString(b []byte, i int) (int, bool) {
	q := b[i]
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case q:
			if j+1 < len(b) && b[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(b), false
}

func scanSQLNumber(b []byte, i int) int {
	if b[i] == '0' && i+1 < len(b) && (b[i+1] == 'x' || b[i+1] == 'b') {
		j := i + 2
		for j < len(b) && hexVal[b[j]] >= 0 {
			j++
		}
		if j > i+2 {
			return j
		}
	}
	j := i
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j < len(b) && b[j] == '.' {
		j++
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	}
	if j+1 < len(b) && b[j] == 'e' && (isDigit(b[j+1]) || (j+2 < len(b) && (b[j+1] == '+' || b[j+1] == '-') && isDigit(b[j+2]))) {
		j += 2
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	}
	return j
}

func isWordByte(c byte) bool {
	return isASCIILetter(c) || isDigit(c) || c == '_' || c == '$' || c >= 0x80
}

func blank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) && c != '-' && c != '\'' && c != '"' && c != '+' {
			return false
		}
	}
	return true
}
