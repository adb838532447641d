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

// maxSQLTokens bounds the tokens read after each possible break-out
// point: an injection has to do its work right there.
const maxSQLTokens = 48

// Contexts: where the value is assumed to sit in a query.
const (
	ctxStart  = iota // appended to a query, e.g. after a number: the value starts the continuation
	ctxNumber        // a number or bare word, then the continuation
	ctxQuote         // inside a quoted literal: the first unescaped quote breaks out
)

// detectSQLi reports SQL injection: a value that, read as the rest of a SQL
// literal (a number, or a string that its first quote closes), continues
// with SQL that changes the query: a boolean condition (tautology), UNION
// SELECT, a stacked statement, a comment that cuts the query off, a
// subquery or function call in an expression, a time delay. A whole SQL
// statement (a snippet pasted into a chat) does not break out of anything
// and is not flagged unless it ends in a bare comment. b is normalized.
func detectSQLi(b []byte, sc *detectScratch) string {
	if sig := sqlAnywhere(b); sig != "" {
		return sig
	}
	// Read a few tokens first: most text cannot continue a query at any of
	// the break-out points, and need not be tokenized further.
	toks := sqlTokenize(b, 0, sc.toks[:0], sqlPeekTokens)
	sc.toks = toks
	numeric := 0 // index of the value in the number context, or -1
	if len(toks) > 1 && toks[0].kind == tOp && b[toks[0].start] == '-' && toks[1].kind == tNum {
		numeric = 1
	}
	if numeric >= len(toks) {
		numeric = -1
	} else {
		switch k := toks[numeric].kind; {
		case k == tWord && numeric+1 < len(toks) && toks[numeric+1].kind == tLogic && b[toks[numeric+1].start] < 'a':
			numeric = -1 // "foo && bar == baz" is code; SQL after a bare word uses OR/AND
		case k != tNum && k != tStr && k != tWord && k != tVar:
			numeric = -1
		}
	}
	if mayContinue(toks) || numeric >= 0 && mayContinue(toks[numeric+1:]) {
		toks = sqlTokenize(b, 0, sc.toks[:0], maxSQLTokens)
		sc.toks = toks
		if sig := sqlContinuation(b, toks, ctxStart); sig != "" {
			return sig
		}
		if numeric >= 0 && numeric+1 < len(toks) {
			if sig := sqlContinuation(b, toks[numeric+1:], ctxNumber); sig != "" {
				return sig
			}
		}
	}
	for _, q := range [...]byte{'\'', '"'} {
		p := breakQuote(b, q)
		if p < 0 {
			continue
		}
		toks = sqlTokenize(b, p+1, sc.toks[:0], sqlPeekTokens)
		sc.toks = toks
		if !mayContinue(toks) {
			continue
		}
		toks = sqlTokenize(b, p+1, sc.toks[:0], maxSQLTokens)
		sc.toks = toks
		if sig := sqlContinuation(b, toks, ctxQuote); sig != "" {
			return sig
		}
	}
	return ""
}

// sqlPeekTokens is how many tokens mayContinue needs.
const sqlPeekTokens = 6

// mayContinue reports whether toks start the way sqlContinuation needs:
// closing parentheses, then an operator, a comment, a semicolon, a
// parenthesis, a variable or one of the keywords it examines.
func mayContinue(toks []sqlToken) bool {
	i := 0
	for i < len(toks) && toks[i].kind == tRParen {
		i++
	}
	if i >= len(toks) {
		return i == sqlPeekTokens // only parentheses so far: look further
	}
	switch t := toks[i]; t.kind {
	case tComment, tSemi, tLogic, tCmp, tOp, tLParen, tVar:
		return true
	case tKeyword:
		switch t.kw {
		case kwUnion, kwOrder, kwGroup, kwHaving, kwWaitfor, kwExec, kwDeclare, kwSelect, kwInto:
			return true
		}
	}
	return false
}

// sqlDanger are names that only SQL injection uses: command execution,
// file access, out-of-band requests and time delays of the main engines.
var sqlDanger = [...]string{
	"xp_cmdshell", "xp_regread", "xp_dirtree", "xp_fileexist", "sp_oacreate", "sp_executesql",
	"utl_http.", "utl_inaddr.", "dbms_pipe.", "dbms_lock.", "load_file(", "pg_sleep(", "benchmark(",
	"extractvalue(", "updatexml(", "into outfile", "into dumpfile", "pg_read_file(", "lo_import(",
	"sys_eval(", "sys_exec(", "sp_password",
}

var sqlDangerMatcher = newMatcher(sqlDanger[:]...)

func sqlAnywhere(b []byte) string {
	if sqlDangerMatcher.find(b) >= 0 {
		return "sql_function"
	}
	return ""
}

// breakQuote returns the index of the first quote q in b that would end a
// literal delimited by q: not escaped by a backslash, not doubled.
func breakQuote(b []byte, q byte) int {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case q:
			if i+1 < len(b) && b[i+1] == q {
				i++
				continue
			}
			return i
		}
	}
	return -1
}

// sqlContinuation decides whether toks, read right after a break-out point
// in context ctx, change the query.
func sqlContinuation(b []byte, toks []sqlToken, ctx int) string {
	i, parens := 0, 0
	for i < len(toks) && toks[i].kind == tRParen {
		i++
		parens++
	}
	if i >= len(toks) {
		return ""
	}
	t := toks[i]
	rest := toks[i+1:]
	switch t.kind {
	case tComment:
		if (ctx == ctxQuote || parens > 0) && truncating(b, t) {
			return "comment_truncation"
		}
	case tSemi:
		if len(rest) > 0 && rest[0].kind == tComment && ctx != ctxStart && truncating(b, rest[0]) {
			return "comment_truncation"
		}
		if len(rest) > 0 && rest[0].kind == tLogic {
			return sqlBoolean(b, rest[1:])
		}
		if stacked(rest) {
			return "stacked_query"
		}
	case tLogic:
		return sqlBoolean(b, rest)
	case tCmp:
		// "x'='x", "' = '": comparing the broken-out literal.
		if ctx == ctxQuote && t.symbol && len(rest) > 0 && isSQLValue(rest[0]) {
			return "tautology"
		}
	case tOp:
		// "'||utl_http.request(...)||'", "'+(select ...)+'".
		if ctx == ctxQuote && hasCallOrSubquery(rest) {
			return "expression_injection"
		}
	case tLParen:
		if len(rest) > 0 && rest[0].kw == kwSelect {
			return "subquery"
		}
	case tVar:
		if t.end-t.start > 2 && b[t.start+1] == '@' {
			return "system_variable"
		}
	case tFunc, tWord:
		// A statement keyword right after a quote: "x' exec master..xp_cmdshell".
	case tKeyword:
		return sqlKeywordContinuation(b, t, rest, ctx)
	}
	return ""
}

func sqlKeywordContinuation(b []byte, t sqlToken, rest []sqlToken, ctx int) string {
	next := func(k int) sqlToken {
		if k < len(rest) {
			return rest[k]
		}
		return sqlToken{}
	}
	switch t.kw {
	case kwUnion:
		k := 0
		if n := next(0); n.kw == kwAll || n.kw == kwDistinct {
			k++
		}
		if next(k).kind == tLParen {
			k++
		}
		if next(k).kw == kwSelect {
			return "union_select"
		}
	case kwOrder, kwGroup:
		if next(0).kw == kwBy {
			n, after := next(1), next(2)
			cut := after.kind == tComment || after.kw == kwHaving
			if ctx != ctxStart && (n.kind == tNum || n.kind == tWord && (after.kind == 0 || cut)) || n.kind != 0 && cut {
				return "order_by"
			}
		}
	case kwHaving:
		if sig := sqlBoolean(b, rest); sig != "" {
			return "having"
		}
	case kwWaitfor:
		if next(0).kw == kwDelay {
			return "time_delay"
		}
	case kwExec, kwDeclare:
		n := next(0)
		if n.kind == 0 {
			break
		}
		if ctx != ctxStart || n.kind == tVar || n.kind == tLParen || n.kind == tFunc {
			return "stacked_query"
		}
		if w := b[n.start:n.end]; n.kind == tWord && (bytes.HasPrefix(w, []byte("xp")) || bytes.HasPrefix(w, []byte("sp_")) || bytes.Equal(w, []byte("sp")) || bytes.Equal(w, []byte("master"))) {
			return "stacked_query"
		}
	case kwSelect:
		// A statement at the start is a snippet unless a bare comment
		// cuts off what would follow it.
		if ctx == ctxStart && len(rest) > 0 {
			last := rest[len(rest)-1]
			if last.kind == tComment && last.symbol && len(rest) < maxSQLTokens {
				return "commented_statement"
			}
		}
	case kwInto:
		if next(0).kw == kwOutfile {
			return "into_outfile"
		}
	}
	return ""
}

// truncating reports whether a comment token cuts off the rest of a query:
// "--" and "/*" always, "#" only when nothing follows it (a "#hashtag"
// after a quote is prose).
func truncating(b []byte, t sqlToken) bool {
	if b[t.start] == '#' {
		return t.symbol
	}
	return true
}

// stacked reports whether toks start a new statement.
func stacked(toks []sqlToken) bool {
	if len(toks) == 0 {
		return false
	}
	next := func(k int) sqlToken {
		if k < len(toks) {
			return toks[k]
		}
		return sqlToken{}
	}
	switch toks[0].kw {
	case kwSelect:
		n := next(1)
		if isSQLValue(n) && n.kind != tWord || n.kind == tOp {
			return true
		}
		for k := 1; k < len(toks) && k < 8; k++ {
			if toks[k].kw == kwFrom {
				return true
			}
		}
	case kwInsert:
		return next(1).kw == kwInto
	case kwUpdate:
		return next(2).kw == kwSet
	case kwDelete:
		return next(1).kw == kwFrom
	case kwDrop, kwCreate, kwAlter, kwTruncate:
		n := next(1)
		return n.kw == kwTable || n.kw == kwObject
	case kwExec, kwDeclare:
		n := next(1)
		return n.kind == tWord || n.kind == tVar || n.kind == tLParen || n.kind == tFunc || n.kind == tStr
	case kwShutdown, kwWaitfor:
		return true
	case kwBegin:
		return next(1).kw == kwDeclare || next(1).kind == tSemi
	case kwSet:
		return next(1).kind == tVar
	case kwUnion:
		return next(1).kw == kwSelect
	}
	return toks[0].kind == tLParen && next(1).kw == kwSelect
}

// sqlBoolean decides the expression after AND/OR: a comparison, a function
// call, a subquery, or a lone literal that ends the query.
func sqlBoolean(b []byte, toks []sqlToken) string {
	end := 0
	for end < len(toks) {
		k := toks[end].kind
		if k == tSemi || k == tComment || (k == tLogic && !betweenAnd(toks, end)) {
			break
		}
		end++
	}
	expr := toks[:end]
	if len(expr) == 0 {
		return ""
	}
	for c, t := range expr {
		if t.kind != tCmp || c == 0 {
			continue
		}
		right := sqlToken{}
		if c+1 < len(expr) {
			right = expr[c+1]
		}
		word := b[t.start:t.end]
		switch {
		case t.symbol:
			if isSQLValue(right) {
				return "tautology"
			}
		case string(word) == "is":
			if right.kw == kwNull || right.kw == kwNot || right.kw == kwTrue {
				return "tautology"
			}
		case string(word) == "in":
			if right.kind == tLParen {
				return "tautology"
			}
		case string(word) == "between":
			if right.kind == tNum || right.kind == tStr {
				return "tautology"
			}
		default: // like, rlike, regexp, sounds, glob
			if right.kind == tStr || right.kind == tStrOpen || right.kind == tFunc || right.kind == tNum || right.kind == tVar {
				return "tautology"
			}
		}
	}
	for _, t := range expr {
		if t.kind == tFunc {
			return "boolean_function"
		}
	}
	if expr[0].kind == tLParen && len(expr) > 1 && (expr[1].kw == kwSelect || expr[1].kw == kwExists) || expr[0].kw == kwExists {
		return "subquery"
	}
	// A lone literal that ends the query ("' or 1 --", "admin' or '"); a
	// literal followed by another AND/OR is prose ("'and' and 'or'").
	if len(expr) == 1 && (end == len(toks) || toks[end].kind != tLogic) {
		t := expr[0]
		switch {
		case t.kind == tNum, t.kw == kwTrue, t.kind == tVar:
			return "tautology"
		case t.kind == tStr && end < len(toks):
			return "tautology"
		case t.kind == tStrOpen && t.end-t.start <= 3:
			return "tautology"
		}
	}
	return ""
}

// betweenAnd reports whether the AND at toks[i] belongs to a BETWEEN.
func betweenAnd(toks []sqlToken, i int) bool {
	return i >= 2 && toks[i-2].kind == tCmp && !toks[i-2].symbol && toks[i-2].end-toks[i-2].start == 7
}

func isSQLValue(t sqlToken) bool {
	switch t.kind {
	case tNum, tStr, tStrOpen, tWord, tVar, tFunc, tLParen:
		return true
	}
	return t.kw == kwNull || t.kw == kwTrue || t.kw == kwSelect
}

func hasCallOrSubquery(toks []sqlToken) bool {
	for k, t := range toks {
		if k > 6 {
			break
		}
		if t.kind == tFunc || (t.kind == tLParen && k+1 < len(toks) && toks[k+1].kw == kwSelect) {
			return true
		}
	}
	return false
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
