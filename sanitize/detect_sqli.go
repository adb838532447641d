package sanitize

import "bytes"

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
