//! The `${...}` expression language: splitting a string into text and interpolations, and
//! parsing one expression. Positions are byte offsets into the whole string value, so errors
//! and references can point at the exact place in the file.
//!
//! ```text
//! expr    := or ( '?' expr ':' expr )?
//! or      := and ( '||' and )*
//! and     := cmp ( '&&' cmp )*
//! cmp     := unary ( ( '==' | '!=' ) unary )?
//! unary   := '!' unary | primary
//! primary := path | "str" | 'str' | number | true | false | null | '(' expr ')'
//! path    := ident ( '.' ident | '[' expr ']' )*
//! ```

use serde_json::{Number, Value};

/// A piece of a string value.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    /// `${...}`: the parsed expression and the byte range of the whole `${...}`.
    Interp(Expr, usize, usize),
}

/// A syntax error at a byte range of the string value.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub start: usize,
    pub len: usize,
}

fn err<T>(message: impl Into<String>, start: usize, len: usize) -> Result<T, SyntaxError> {
    Err(SyntaxError { message: message.into(), start, len: len.max(1) })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    /// The first step is always the root name (`var`, `each`, `secret`, a module).
    Path(Vec<Step>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Field(String, usize, usize),
    Index(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// Splits a string into literal text and parsed `${...}` interpolations; `$${` is a literal `${`.
pub fn split(s: &str) -> Result<Vec<Piece>, SyntaxError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("$${") {
            text.push_str("${");
            i += 3;
        } else if rest.starts_with("${") {
            let end = closing_brace(s, i + 2).ok_or(SyntaxError {
                message: "unterminated `${`: missing `}`".into(),
                start: i,
                len: 2,
            })?;
            let expr = parse(&s[..end], i + 2)?;
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Interp(expr, i, end + 1));
            i = end + 1;
        } else {
            let c = rest.chars().next().unwrap_or('\0');
            text.push(c);
            i += c.len_utf8().max(1);
        }
    }
    if !text.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The byte index of the `}` that ends an interpolation starting at `from`, skipping quoted
/// strings (a `}` inside `"..."` belongs to the string).
fn closing_brace(s: &str, from: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s[from..].char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '}' => return Some(from + i),
            None => {}
        }
    }
    None
}

/// Parses the expression in `src[start..]` (positions stay relative to `src`).
pub fn parse(src: &str, start: usize) -> Result<Expr, SyntaxError> {
    let tokens = lex(src, start)?;
    if tokens.is_empty() {
        return err("empty `${}`: expected an expression", start.saturating_sub(2), 3);
    }
    let mut p = Parser { tokens, pos: 0, end: src.len() };
    let e = p.expr()?;
    if let Some(t) = p.peek() {
        return err(format!("unexpected {} after the expression", t.tok.describe()), t.start, t.end - t.start);
    }
    Ok(e)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(Number),
    Dot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    EqEq,
    NotEq,
    AndAnd,
    OrOr,
    Bang,
    Question,
    Colon,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a string".into(),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Dot => "`.`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::NotEq => "`!=`".into(),
            Tok::AndAnd => "`&&`".into(),
            Tok::OrOr => "`||`".into(),
            Tok::Bang => "`!`".into(),
            Tok::Question => "`?`".into(),
            Tok::Colon => "`:`".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn lex(src: &str, start: usize) -> Result<Vec<Token>, SyntaxError> {
    let mut out = Vec::new();
    let mut chars = src[start..].char_indices().map(|(i, c)| (i + start, c)).peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        // A two-character token: its second character is taken from the input too.
        let mut two = |tok: Tok| {
            chars.next();
            Token { tok, start: i, end: i + 2 }
        };
        let one = |tok: Tok| Token { tok, start: i, end: i + 1 };
        let token = match (c, next) {
            (c, _) if c.is_whitespace() => continue,
            ('=', Some('=')) => two(Tok::EqEq),
            ('!', Some('=')) => two(Tok::NotEq),
            ('&', Some('&')) => two(Tok::AndAnd),
            ('|', Some('|')) => two(Tok::OrOr),
            ('!', _) => one(Tok::Bang),
            ('.', _) => one(Tok::Dot),
            ('[', _) => one(Tok::LBracket),
            (']', _) => one(Tok::RBracket),
            ('(', _) => one(Tok::LParen),
            (')', _) => one(Tok::RParen),
            ('?', _) => one(Tok::Question),
            (':', _) => one(Tok::Colon),
            ('"' | '\'', _) => {
                let mut s = String::new();
                let mut end = None;
                while let Some((j, d)) = chars.next() {
                    if d == c {
                        end = Some(j + 1);
                        break;
                    }
                    if d == '\\' {
                        match chars.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, e)) => s.push(e),
                            None => break,
                        }
                    } else {
                        s.push(d);
                    }
                }
                let Some(end) = end else {
                    return err("unterminated string literal", i, 1);
                };
                Token { tok: Tok::Str(s), start: i, end }
            }
            (c, n) if c.is_ascii_digit() || (c == '-' && n.is_some_and(|n| n.is_ascii_digit())) => {
                let mut end = i + 1;
                let mut text = c.to_string();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' || d == 'e' || d == 'E' {
                        text.push(d);
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let num = if let Ok(n) = text.parse::<i64>() {
                    Some(Number::from(n))
                } else {
                    text.parse::<f64>().ok().and_then(Number::from_f64)
                };
                let Some(num) = num else {
                    return err(format!("invalid number `{text}`"), i, end - i);
                };
                Token { tok: Tok::Num(num), start: i, end }
            }
            (c, _) if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = i + 1;
                let mut text = c.to_string();
                // `-` is allowed inside names (keys such as `vpc-flow`): there is no subtraction.
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '-' {
                        text.push(d);
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                Token { tok: Tok::Ident(text), start: i, end }
            }
            (c, _) => {
                let hint = match c {
                    '=' => " (comparison is `==`)",
                    '&' => " (logical and is `&&`)",
                    '|' => " (logical or is `||`)",
                    _ => "",
                };
                return err(format!("unexpected character `{c}` in expression{hint}"), i, c.len_utf8());
            }
        };
        out.push(token);
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Where the expression text ends, for "expected ... at the end" errors.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, tok: &Tok) -> Option<Token> {
        match self.peek() {
            Some(t) if &t.tok == tok => {
                let t = t.clone();
                self.pos += 1;
                Some(t)
            }
            _ => None,
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, SyntaxError> {
        if let Some(t) = self.eat(tok) {
            return Ok(t);
        }
        self.unexpected(what)
    }

    fn unexpected<T>(&self, what: &str) -> Result<T, SyntaxError> {
        match self.peek() {
            Some(t) => err(format!("expected {what}, found {}", t.tok.describe()), t.start, t.end - t.start),
            None => err(format!("expected {what} at the end of the expression"), self.end, 1),
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let cond = self.or()?;
        if self.eat(&Tok::Question).is_none() {
            return Ok(cond);
        }
        let then = self.expr()?;
        self.expect(&Tok::Colon, "`:` of `cond ? a : b`")?;
        let other = self.expr()?;
        Ok(Expr {
            start: cond.start,
            end: other.end,
            kind: ExprKind::Cond(Box::new(cond), Box::new(then), Box::new(other)),
        })
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.left_assoc(&Tok::OrOr, BinOp::Or, Self::and)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        self.left_assoc(&Tok::AndAnd, BinOp::And, Self::cmp)
    }

    /// `operand (tok operand)*`, grouped from the left as `op`.
    fn left_assoc(
        &mut self,
        tok: &Tok,
        op: BinOp,
        operand: fn(&mut Self) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        let mut left = operand(self)?;
        while self.eat(tok).is_some() {
            let right = operand(self)?;
            left = binary(op, left, right);
        }
        Ok(left)
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.unary()?;
        let op = if self.eat(&Tok::EqEq).is_some() {
            BinOp::Eq
        } else if self.eat(&Tok::NotEq).is_some() {
            BinOp::Ne
        } else {
            return Ok(left);
        };
        let right = self.unary()?;
        Ok(binary(op, left, right))
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if let Some(t) = self.eat(&Tok::Bang) {
            let e = self.unary()?;
            return Ok(Expr { start: t.start, end: e.end, kind: ExprKind::Not(Box::new(e)) });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(t) = self.peek().cloned() else {
            return self.unexpected("a value");
        };
        let literal = |v: Value| Expr { kind: ExprKind::Literal(v), start: t.start, end: t.end };
        match &t.tok {
            Tok::Str(s) => {
                self.pos += 1;
                Ok(literal(Value::String(s.clone())))
            }
            Tok::Num(n) => {
                self.pos += 1;
                Ok(literal(Value::Number(n.clone())))
            }
            Tok::Ident(name) if name == "true" || name == "false" => {
                self.pos += 1;
                Ok(literal(Value::Bool(name == "true")))
            }
            Tok::Ident(name) if name == "null" => {
                self.pos += 1;
                Ok(literal(Value::Null))
            }
            Tok::Ident(name) => {
                self.pos += 1;
                let mut steps = vec![Step::Field(name.clone(), t.start, t.end)];
                let mut end = t.end;
                loop {
                    if self.eat(&Tok::Dot).is_some() {
                        match self.peek().cloned() {
                            Some(Token { tok: Tok::Ident(f), start, end: e }) => {
                                self.pos += 1;
                                steps.push(Step::Field(f, start, e));
                                end = e;
                            }
                            _ => return self.unexpected("a name after `.`"),
                        }
                    } else if self.eat(&Tok::LBracket).is_some() {
                        let index = self.expr()?;
                        end = self.expect(&Tok::RBracket, "`]`")?.end;
                        steps.push(Step::Index(index));
                    } else {
                        break;
                    }
                }
                Ok(Expr { kind: ExprKind::Path(steps), start: t.start, end })
            }
            Tok::LParen => {
                self.pos += 1;
                let mut e = self.expr()?;
                let close = self.expect(&Tok::RParen, "`)`")?;
                e.start = t.start;
                e.end = close.end;
                Ok(e)
            }
            _ => self.unexpected("a value"),
        }
    }
}

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    Expr { start: left.start, end: right.end, kind: ExprKind::Binary(op, Box::new(left), Box::new(right)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Expr {
        match split(s).unwrap().as_slice() {
            [Piece::Interp(e, _, _)] => e.clone(),
            other => panic!("not a single interpolation: {other:?}"),
        }
    }

    #[test]
    fn splits_text_interpolations_and_escapes() {
        let p = split("arn:${var.x}:y $${not} $$ $").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], Piece::Text("arn:".into()));
        let Piece::Interp(e, start, end) = &p[1] else { panic!("not an interpolation") };
        assert_eq!((*start, *end), (4, 12));
        assert_eq!((e.start, e.end), (6, 11));
        assert_eq!(p[2], Piece::Text(":y ${not} $$ $".into()));
        assert_eq!(split("plain").unwrap(), vec![Piece::Text("plain".into())]);
        assert_eq!(split("").unwrap(), vec![Piece::Text(String::new())]);
    }

    #[test]
    fn parses_precedence_and_paths() {
        let e = one("${var.a == \"x}\" || !each.value.enabled && var.l[0] != null ? 1 : 'b'}");
        let ExprKind::Cond(c, t, f) = e.kind else { panic!("not a ternary") };
        assert_eq!(t.kind, ExprKind::Literal(serde_json::json!(1)));
        assert_eq!(f.kind, ExprKind::Literal(serde_json::json!("b")));
        let ExprKind::Binary(BinOp::Or, l, r) = c.kind else { panic!("|| should bind loosest") };
        assert!(matches!(l.kind, ExprKind::Binary(BinOp::Eq, _, _)));
        let ExprKind::Binary(BinOp::And, not, _) = r.kind else { panic!("&& under ||") };
        let ExprKind::Not(path) = not.kind else { panic!("! binds tightest") };
        let ExprKind::Path(steps) = path.kind else { panic!("path") };
        assert_eq!(steps.len(), 3);
        let e = one("${ingestion.firehose[each.key].arn}");
        let ExprKind::Path(steps) = e.kind else { panic!("path") };
        assert!(matches!(&steps[2], Step::Index(_)));
        assert!(matches!(&steps[3], Step::Field(a, _, _) if a == "arn"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = split("x ${var.a = 1}").unwrap_err();
        assert_eq!(e.start, 10);
        assert!(e.message.contains("comparison is `==`"), "{}", e.message);
        let e = split("${var.a ==}").unwrap_err();
        assert_eq!(e.message, "expected a value at the end of the expression");
        let e = split("ab ${var.a").unwrap_err();
        assert_eq!((e.start, e.message.as_str()), (3, "unterminated `${`: missing `}`"));
        let e = split("${}").unwrap_err();
        assert!(e.message.starts_with("empty"));
        let e = split("${var.a var.b}").unwrap_err();
        assert_eq!(e.message, "unexpected `var` after the expression");
    }
}
