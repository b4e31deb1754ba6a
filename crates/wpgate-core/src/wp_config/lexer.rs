//! A PHP tokenizer that knows just enough of PHP to find `define()` calls safely.
//!
//! It mirrors the parts of `Zend/zend_language_scanner.l` that decide where a token ends:
//! open and close tags, comments, the four string syntaxes (with their exact escape rules, so a
//! salt comes out byte for byte as PHP would see it), numbers, names and operators. Everything
//! else is an opaque token: the parser skips code it does not understand.

use super::SyntaxErrorKind;

/// A token: what it is and where it sits in the source (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) start: usize,
    pub(super) end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// `<?php`, `<?=` or `<?`: a statement boundary.
    OpenTag,
    /// `?>`: ends a statement like `;`.
    CloseTag,
    /// A name, keyword or namespaced name (`define`, `\define`, `Foo\Bar`); text is in the source.
    Name,
    /// `$name`.
    Variable,
    /// A string literal whose bytes are known.
    Str(Vec<u8>),
    /// A string whose value depends on run time: `"$var"` interpolation, or a backtick command.
    DynamicStr,
    Int(i64),
    Float(f64),
    /// An operator or punctuation, longest match.
    Punct(&'static str),
    /// A byte PHP itself would reject ("unexpected character").
    Other,
}

/// Where a lexical error was found (byte offset) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LexError {
    pub(super) offset: usize,
    pub(super) kind: SyntaxErrorKind,
}

/// Tokenizes a whole file, skipping inline HTML, whitespace and comments.
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer { b: src.as_bytes(), pos: 0 };
    let mut tokens = Vec::new();
    let mut in_php = false;
    loop {
        if !in_php {
            match lexer.find_open_tag() {
                Some(token) => {
                    tokens.push(token);
                    in_php = true;
                }
                None => return Ok(tokens),
            }
        }
        match lexer.next_token(0)? {
            None => return Ok(tokens),
            Some(token) => {
                let closes = token.kind == TokenKind::CloseTag;
                let halts = token.kind == TokenKind::Name && lexer.is_halt_compiler(&token);
                tokens.push(token);
                if halts {
                    // `__halt_compiler();` ends the PHP code; what follows is data.
                    return Ok(tokens);
                }
                if closes {
                    in_php = false;
                }
            }
        }
    }
}

/// Operators and punctuation, longest first so that the first match is the longest.
const PUNCTS: &[&str] = &[
    "<<=", ">>=", "**=", "...", "<=>", "===", "!==", "??=", "?->", "<<", ">>", "**", "==", "!=",
    "<>", "<=", ">=", "&&", "||", "??", "->", "=>", "::", "++", "--", ".=", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=", "#[", "(", ")", "[", "]", "{", "}", ",", ";", "=", ".", "+", "-", "*",
    "/", "%", "!", "~", "&", "|", "^", "<", ">", "?", ":", "@", "$", "\\",
];

/// How deeply `{$ … }` interpolations may nest inside each other before we give up.
const MAX_INTERPOLATION_DEPTH: usize = 32;

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.pos.checked_add(ahead)?).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b.get(self.pos..).is_some_and(|rest| rest.starts_with(s))
    }

    fn error(&self, offset: usize, kind: SyntaxErrorKind) -> LexError {
        LexError { offset, kind }
    }

    /// Skips inline HTML up to and including the next open tag.
    fn find_open_tag(&mut self) -> Option<Token> {
        while self.pos < self.b.len() {
            if self.starts_with(b"<?") {
                let start = self.pos;
                let after = self.b.get(start + 2).copied();
                let len = if self.b.get(start + 2..).is_some_and(|r| {
                    r.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"php"))
                        && r.get(3).is_none_or(|c| is_php_whitespace(*c))
                }) {
                    // PHP swallows one newline (or blank) after `<?php` into the tag.
                    let newline = match self.b.get(start + 5..start + 7) {
                        Some(b"\r\n") => 2,
                        _ => usize::from(self.b.get(start + 5).is_some()),
                    };
                    5 + newline
                } else if after == Some(b'=') {
                    3
                } else if after.is_none_or(is_php_whitespace) {
                    // The short tag `<?`: only with `short_open_tag = On`, accepted here because a
                    // file that uses it is meant to be PHP.
                    2
                } else {
                    self.pos += 2;
                    continue;
                };
                self.pos = (start + len).min(self.b.len());
                return Some(Token { kind: TokenKind::OpenTag, start, end: self.pos });
            }
            self.pos += 1;
        }
        None
    }

    /// The next token in PHP mode, or `None` at the end of the input.
    fn next_token(&mut self, depth: usize) -> Result<Option<Token>, LexError> {
        self.skip_trivia();
        let start = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(None);
        };
        let kind = match c {
            b'?' if self.peek(1) == Some(b'>') => {
                self.pos += 2;
                // A single newline right after `?>` belongs to the tag.
                match (self.peek(0), self.peek(1)) {
                    (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                    (Some(b'\n' | b'\r'), _) => self.pos += 1,
                    _ => {}
                }
                TokenKind::CloseTag
            }
            b'\'' => self.single_quoted(start)?,
            b'"' => self.double_quoted(start, depth)?,
            b'`' => self.backtick(start, depth)?,
            b'<' if self.starts_with(b"<<<") && self.heredoc_label_follows(3) => {
                self.heredoc(start, depth)?
            }
            b'b' | b'B' if self.peek(1) == Some(b'\'') => {
                self.pos += 1;
                self.single_quoted(start + 1)?
            }
            b'b' | b'B' if self.peek(1) == Some(b'"') => {
                self.pos += 1;
                self.double_quoted(start + 1, depth)?
            }
            b'b' | b'B'
                if self.b.get(start + 1..).is_some_and(|r| r.starts_with(b"<<<"))
                    && self.heredoc_label_follows(4) =>
            {
                self.pos += 1;
                self.heredoc(start + 1, depth)?
            }
            b'$' if self.peek(1).is_some_and(is_name_start) => {
                self.pos += 1;
                self.skip_name_chars();
                TokenKind::Variable
            }
            b'0'..=b'9' => self.number(start)?,
            b'.' if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => self.number(start)?,
            c if is_name_start(c) => {
                self.name();
                TokenKind::Name
            }
            b'\\' if self.peek(1).is_some_and(is_name_start) => {
                self.name();
                TokenKind::Name
            }
            _ => match PUNCTS
                .iter()
                .find(|p| p.as_bytes().first() == Some(&c) && self.starts_with(p.as_bytes()))
            {
                Some(p) => {
                    self.pos += p.len();
                    TokenKind::Punct(p)
                }
                None => {
                    self.pos += 1;
                    TokenKind::Other
                }
            },
        };
        Ok(Some(Token { kind, start, end: self.pos }))
    }

    /// Whitespace and comments. `//` and `#` comments end at a newline or just before `?>`;
    /// an unterminated `/*` comment runs to the end of the file (PHP only warns).
    fn skip_trivia(&mut self) {
        loop {
            match self.peek(0) {
                Some(c) if is_php_whitespace(c) => self.pos += 1,
                Some(b'#') if self.peek(1) != Some(b'[') => self.line_comment(),
                Some(b'/') if self.peek(1) == Some(b'/') => self.line_comment(),
                Some(b'/') if self.peek(1) == Some(b'*') => {
                    let body = self.pos + 2;
                    self.pos = match find(self.b, body, b"*/") {
                        Some(end) => end + 2,
                        None => self.b.len(),
                    };
                }
                _ => return,
            }
        }
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == b'\n' || c == b'\r' || (c == b'?' && self.peek(1) == Some(b'>')) {
                return;
            }
            self.pos += 1;
        }
    }

    fn skip_name_chars(&mut self) {
        while self.peek(0).is_some_and(is_name_char) {
            self.pos += 1;
        }
    }

    /// A name with namespace separators: `define`, `\define`, `Foo\Bar\baz`.
    fn name(&mut self) {
        if self.peek(0) == Some(b'\\') {
            self.pos += 1;
        }
        loop {
            self.skip_name_chars();
            if self.peek(0) == Some(b'\\') && self.peek(1).is_some_and(is_name_start) {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    fn is_halt_compiler(&self, token: &Token) -> bool {
        self.b
            .get(token.start..token.end)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"__halt_compiler"))
    }

    /// `'…'`: only `\'` and `\\` are escapes; every other backslash is literal.
    fn single_quoted(&mut self, start: usize) -> Result<TokenKind, LexError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek(0) {
                None => return Err(self.error(start, SyntaxErrorKind::UnterminatedString)),
                Some(b'\'') => {
                    self.pos += 1;
                    return Ok(TokenKind::Str(out));
                }
                Some(b'\\') if matches!(self.peek(1), Some(b'\'' | b'\\')) => {
                    out.extend(self.peek(1));
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `"…"` with PHP's escapes; `$name`, `{$…}` and `${…}` make it dynamic.
    fn double_quoted(&mut self, start: usize, depth: usize) -> Result<TokenKind, LexError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut dynamic = false;
        loop {
            match self.peek(0) {
                None => return Err(self.error(start, SyntaxErrorKind::UnterminatedString)),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => self.escape(&mut out, Quote::Double)?,
                Some(b'$' | b'{') => {
                    if self.interpolation(depth)? {
                        dynamic = true;
                    } else {
                        out.extend(self.peek(0));
                        self.pos += 1;
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(if dynamic { TokenKind::DynamicStr } else { TokenKind::Str(out) })
    }

    /// `` `…` `` runs a shell command: never a literal, but it must be skipped correctly.
    fn backtick(&mut self, start: usize, depth: usize) -> Result<TokenKind, LexError> {
        self.pos += 1;
        let mut scratch = Vec::new();
        loop {
            match self.peek(0) {
                None => return Err(self.error(start, SyntaxErrorKind::UnterminatedString)),
                Some(b'`') => {
                    self.pos += 1;
                    return Ok(TokenKind::DynamicStr);
                }
                Some(b'\\') => self.escape(&mut scratch, Quote::Backtick)?,
                Some(b'$' | b'{') => {
                    if !self.interpolation(depth)? {
                        self.pos += 1;
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// At `$` or `{` inside a double-quoted string or heredoc: if it starts an interpolation,
    /// skips it and returns true; otherwise leaves the position alone and returns false.
    fn interpolation(&mut self, depth: usize) -> Result<bool, LexError> {
        match (self.peek(0), self.peek(1)) {
            (Some(b'$'), Some(c)) if is_name_start(c) => {
                // `$name`, optionally `[…]` or `->prop`; the string stays dynamic either way,
                // and PHP allows no quotes there, so skipping the name is enough.
                self.pos += 1;
                self.skip_name_chars();
                Ok(true)
            }
            (Some(b'$'), Some(b'{')) | (Some(b'{'), Some(b'$')) => {
                // `${expr}` or `{$expr}`: real PHP code up to the matching `}`, which may
                // itself contain quoted strings (`"{$_SERVER["HTTP_HOST"]}"`).
                let start = self.pos;
                if depth >= MAX_INTERPOLATION_DEPTH {
                    return Err(self.error(start, SyntaxErrorKind::NestingTooDeep));
                }
                self.pos += 2;
                let mut braces = 0usize;
                loop {
                    let Some(token) = self.next_token(depth + 1)? else {
                        return Err(self.error(start, SyntaxErrorKind::UnterminatedString));
                    };
                    match token.kind {
                        TokenKind::Punct("{") => braces += 1,
                        TokenKind::Punct("}") if braces == 0 => return Ok(true),
                        TokenKind::Punct("}") => braces -= 1,
                        _ => {}
                    }
                }
            }
            _ => Ok(false),
        }
    }

    /// One backslash escape at the current position, appended to `out`.
    fn escape(&mut self, out: &mut Vec<u8>, quote: Quote) -> Result<(), LexError> {
        let start = self.pos;
        let Some(c) = self.peek(1) else {
            // A trailing backslash: the caller reports the unterminated string.
            out.push(b'\\');
            self.pos += 1;
            return Ok(());
        };
        self.pos += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'e' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'\\' => out.push(b'\\'),
            b'$' => out.push(b'$'),
            b'"' if quote == Quote::Double => out.push(b'"'),
            b'`' if quote == Quote::Backtick => out.push(b'`'),
            b'0'..=b'7' => {
                // Up to three octal digits; PHP keeps the low byte of `\400`…`\777`.
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek(0) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push(value.to_le_bytes().first().copied().unwrap_or(0));
            }
            b'x' if self.peek(0).is_some_and(|d| d.is_ascii_hexdigit()) => {
                let mut value = 0u8;
                for _ in 0..2 {
                    match self.peek(0).and_then(hex_value) {
                        Some(d) => {
                            value = value.wrapping_mul(16).wrapping_add(d);
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                out.push(value);
            }
            b'u' if self.peek(0) == Some(b'{') => {
                self.pos += 1;
                let digits_start = self.pos;
                while self.peek(0).is_some_and(|d| d.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let digits = self.b.get(digits_start..self.pos).unwrap_or_default();
                if digits.is_empty() || self.peek(0) != Some(b'}') {
                    return Err(self.error(start, SyntaxErrorKind::InvalidUnicodeEscape));
                }
                self.pos += 1;
                let codepoint = digits.iter().try_fold(0u32, |acc, d| {
                    acc.checked_mul(16)?.checked_add(u32::from(hex_value(*d)?))
                });
                match codepoint {
                    Some(cp) if cp <= 0x10_FFFF => push_utf8(out, cp),
                    _ => return Err(self.error(start, SyntaxErrorKind::InvalidUnicodeEscape)),
                }
            }
            _ => {
                // Not an escape: PHP keeps the backslash. The next character is read again
                // normally, so `\{$x}` still interpolates `$x`.
                out.push(b'\\');
                self.pos -= 1;
            }
        }
        Ok(())
    }

    /// True if `<<<` at `self.pos + skip - 3` is followed by a heredoc/nowdoc label and a
    /// newline; otherwise `<<<` is the operators `<<` and `<`.
    fn heredoc_label_follows(&self, skip: usize) -> bool {
        let mut p = self.pos + skip;
        while matches!(self.b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        let quote = match self.b.get(p) {
            Some(q @ (b'\'' | b'"')) => {
                p += 1;
                Some(*q)
            }
            _ => None,
        };
        if !self.b.get(p).copied().is_some_and(is_name_start) {
            return false;
        }
        while self.b.get(p).copied().is_some_and(is_name_char) {
            p += 1;
        }
        if let Some(q) = quote {
            if self.b.get(p) != Some(&q) {
                return false;
            }
            p += 1;
        }
        matches!(self.b.get(p), Some(b'\n' | b'\r'))
    }

    /// `<<<LABEL`, `<<<"LABEL"` (heredoc) or `<<<'LABEL'` (nowdoc), PHP 7.3 flexible syntax:
    /// the closing label may be indented and that indentation is removed from every line.
    fn heredoc(&mut self, start: usize, depth: usize) -> Result<TokenKind, LexError> {
        self.pos += 3;
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let nowdoc = self.peek(0) == Some(b'\'');
        if matches!(self.peek(0), Some(b'\'' | b'"')) {
            self.pos += 1;
        }
        let label_start = self.pos;
        self.skip_name_chars();
        let label = self.b.get(label_start..self.pos).unwrap_or_default();
        if matches!(self.peek(0), Some(b'\'' | b'"')) {
            self.pos += 1;
        }
        self.pos += match (self.peek(0), self.peek(1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            _ => 1,
        };
        let body_start = self.pos;

        // Find the closing line: optional blanks, the label, then no name character.
        let mut line = body_start;
        let (close_line, label_at) = loop {
            let mut p = line;
            while matches!(self.b.get(p), Some(b' ' | b'\t')) {
                p += 1;
            }
            let after = p + label.len();
            if self.b.get(p..after) == Some(label)
                && !self.b.get(after).copied().is_some_and(is_name_char)
            {
                break (line, p);
            }
            match next_line(self.b, line) {
                Some(next) => line = next,
                None => return Err(self.error(start, SyntaxErrorKind::UnterminatedHeredoc)),
            }
        };
        self.pos = label_at + label.len();

        let indent = self.b.get(close_line..label_at).unwrap_or_default();
        let indent_char = indent.first().copied();
        if indent.iter().any(|c| Some(*c) != indent_char) {
            return Err(self.error(close_line, SyntaxErrorKind::InvalidHeredocIndentation));
        }
        // The newline before the closing line is not part of the string.
        let body_end = if close_line == body_start {
            body_start
        } else if close_line >= 2 && self.b.get(close_line - 2..close_line) == Some(b"\r\n") {
            close_line - 2
        } else {
            close_line.saturating_sub(1)
        };
        let raw = self.b.get(body_start..body_end.max(body_start)).unwrap_or_default();
        let body = dedent(raw, indent.len(), indent_char).map_err(|offset| {
            self.error(body_start + offset, SyntaxErrorKind::InvalidHeredocIndentation)
        })?;
        if nowdoc {
            return Ok(TokenKind::Str(body));
        }

        // A heredoc body reads like a double-quoted string, except that `"` needs no escape.
        let mut inner = Lexer { b: &body, pos: 0 };
        let mut out = Vec::new();
        let mut dynamic = false;
        while let Some(c) = inner.peek(0) {
            match c {
                b'\\' => {
                    inner.escape(&mut out, Quote::Heredoc).map_err(|e| self.error(start, e.kind))?
                }
                b'$' | b'{'
                    if inner.interpolation(depth).map_err(|e| self.error(start, e.kind))? =>
                {
                    dynamic = true;
                }
                _ => {
                    out.push(c);
                    inner.pos += 1;
                }
            }
        }
        Ok(if dynamic { TokenKind::DynamicStr } else { TokenKind::Str(out) })
    }

    /// `LNUM`, `DNUM`, `EXPONENT_DNUM`, `HNUM`, `BNUM` and `ONUM` of the PHP scanner, with `_`
    /// separators between digits. Integers too large for `int` become floats, as in PHP.
    fn number(&mut self, start: usize) -> Result<TokenKind, LexError> {
        let prefixed = |lexer: &mut Self, radix: u32| -> Option<TokenKind> {
            let digits_start = lexer.pos + 2;
            let end = digits_end(lexer.b, digits_start, |c| char::from(c).is_digit(radix));
            if end == digits_start {
                return None;
            }
            lexer.pos = end;
            let digits = lexer.b.get(digits_start..end).unwrap_or_default();
            Some(radix_value(digits, radix))
        };
        let radix = match (self.peek(0), self.peek(1).map(|c| c.to_ascii_lowercase())) {
            (Some(b'0'), Some(b'x')) => Some(16),
            (Some(b'0'), Some(b'b')) => Some(2),
            (Some(b'0'), Some(b'o')) => Some(8),
            _ => None,
        };
        if let Some(radix) = radix {
            if let Some(kind) = prefixed(self, radix) {
                return Ok(kind);
            }
            // `0x` without digits lexes as `0` followed by the name `x…`.
            self.pos += 1;
            return Ok(TokenKind::Int(0));
        }

        let is_digit = |c: u8| c.is_ascii_digit();
        let int_end = digits_end(self.b, start, is_digit);
        let mut end = int_end;
        let mut float = false;
        if self.b.get(end) == Some(&b'.') {
            let frac_end = digits_end(self.b, end + 1, is_digit);
            if frac_end > end + 1 || int_end > start {
                end = frac_end;
                float = true;
            }
        }
        if matches!(self.b.get(end), Some(b'e' | b'E')) {
            let mut p = end + 1;
            if matches!(self.b.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            let exp_end = digits_end(self.b, p, is_digit);
            if exp_end > p {
                end = exp_end;
                float = true;
            }
        }
        self.pos = end;
        let text: String = self
            .b
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .filter(|c| **c != b'_')
            .map(|c| char::from(*c))
            .collect();
        if float {
            return Ok(TokenKind::Float(text.parse().unwrap_or(f64::NAN)));
        }
        if text.len() > 1 && text.starts_with('0') {
            // A leading zero means octal; `089` does not compile.
            let digits = text.get(1..).unwrap_or_default();
            if digits.bytes().any(|c| c > b'7') {
                return Err(self.error(start, SyntaxErrorKind::InvalidNumber));
            }
            return Ok(radix_value(digits.as_bytes(), 8));
        }
        Ok(match text.parse::<i64>() {
            Ok(n) => TokenKind::Int(n),
            Err(_) => TokenKind::Float(text.parse().unwrap_or(f64::NAN)),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    Double,
    Heredoc,
    Backtick,
}

/// PHP's `[ \t\n\r]`: other control characters are not whitespace to PHP.
fn is_php_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// `[a-zA-Z_\x80-\xff]`: PHP names may contain any non-ASCII byte.
fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_name_char(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

fn hex_value(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The start of the line after the one containing `at` (PHP counts `\n`, `\r\n` and `\r`).
fn next_line(b: &[u8], at: usize) -> Option<usize> {
    let mut p = at;
    loop {
        match b.get(p)? {
            b'\n' => return Some(p + 1),
            b'\r' if b.get(p + 1) == Some(&b'\n') => return Some(p + 2),
            b'\r' => return Some(p + 1),
            _ => p += 1,
        }
    }
}

/// The end of `digit(_digit)*` starting at `from` (an `_` must sit between two digits).
fn digits_end(b: &[u8], from: usize, is_digit: impl Fn(u8) -> bool) -> usize {
    let mut p = from;
    while let Some(c) = b.get(p).copied() {
        let separator = c == b'_' && p > from && b.get(p + 1).copied().is_some_and(&is_digit);
        if is_digit(c) || separator {
            p += 1;
        } else {
            break;
        }
    }
    p
}

/// An integer in base 2, 8 or 16; on overflow PHP switches to a float computed digit by digit
/// (`zend_hex_strtod` and friends), which is what we do too.
fn radix_value(digits: &[u8], radix: u32) -> TokenKind {
    let digits: Vec<u32> = digits.iter().filter_map(|c| char::from(*c).to_digit(radix)).collect();
    let exact = digits
        .iter()
        .try_fold(0i64, |acc, d| acc.checked_mul(i64::from(radix))?.checked_add(i64::from(*d)));
    match exact {
        Some(n) => TokenKind::Int(n),
        None => TokenKind::Float(
            digits.iter().fold(0f64, |acc, d| acc * f64::from(radix) + f64::from(*d)),
        ),
    }
}

/// Removes `indent` blanks from the start of every line of a heredoc body. A line with text
/// but less indentation, or with the other kind of blank, does not compile in PHP; blank-only
/// lines may be shorter. Returns the offset of the offending line on error.
fn dedent(raw: &[u8], indent: usize, indent_char: Option<u8>) -> Result<Vec<u8>, usize> {
    if indent == 0 {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut line = 0;
    while line < raw.len() {
        let end = next_line(raw, line).unwrap_or(raw.len());
        let text = raw.get(line..end).unwrap_or_default();
        let mut skipped = 0;
        while skipped < indent {
            match text.get(skipped) {
                Some(c @ (b' ' | b'\t')) if Some(*c) == indent_char => skipped += 1,
                Some(b' ' | b'\t') => return Err(line),
                Some(b'\n' | b'\r') | None => break,
                Some(_) => return Err(line),
            }
        }
        out.extend_from_slice(text.get(skipped..).unwrap_or_default());
        line = end;
    }
    Ok(out)
}

/// UTF-8 encoding of any code point up to U+10FFFF; like PHP's `\u{…}`, surrogates are encoded
/// too (producing bytes that are not valid UTF-8).
fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    let byte = |v: u32| v.to_le_bytes().first().copied().unwrap_or(0);
    if cp < 0x80 {
        out.push(byte(cp));
    } else if cp < 0x800 {
        out.extend([byte(0xC0 | (cp >> 6)), byte(0x80 | (cp & 0x3F))]);
    } else if cp < 0x1_0000 {
        out.extend([
            byte(0xE0 | (cp >> 12)),
            byte(0x80 | ((cp >> 6) & 0x3F)),
            byte(0x80 | (cp & 0x3F)),
        ]);
    } else {
        out.extend([
            byte(0xF0 | (cp >> 18)),
            byte(0x80 | ((cp >> 12) & 0x3F)),
            byte(0x80 | ((cp >> 6) & 0x3F)),
            byte(0x80 | (cp & 0x3F)),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `<?php ` + `code`, without the open tag.
    fn kinds(code: &str) -> Vec<TokenKind> {
        tokenize(&format!("<?php {code}"))
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .filter(|k| *k != TokenKind::OpenTag)
            .collect()
    }

    fn string(code: &str) -> Vec<u8> {
        match kinds(code).as_slice() {
            [TokenKind::Str(bytes)] => bytes.clone(),
            other => panic!("{code}: {other:?}"),
        }
    }

    fn error(code: &str) -> SyntaxErrorKind {
        tokenize(&format!("<?php {code}")).unwrap_err().kind
    }

    #[test]
    fn single_quotes_unescape_only_the_quote_and_the_backslash() {
        assert_eq!(string(r"'a\'b\\c\n\x41\$'"), br"a'b\c\n\x41\$");
        assert_eq!(string(r"'\\\''"), br"\'");
        assert_eq!(string("b'binary'"), b"binary");
    }

    #[test]
    fn double_quotes_use_php_escapes() {
        assert_eq!(string(r#""\n\t\r\v\e\f\\\$\"""#), b"\n\t\r\x0b\x1b\x0c\\$\"");
        assert_eq!(string(r#""\101\x41\x4a\u{41}\u{1F600}\u{e9}""#), "AAJA😀é".as_bytes());
        // \400 overflows to \000 (PHP warns); \xZ, \q and \u without { stay as written.
        assert_eq!(string(r#""\400\0\7""#), b"\0\0\x07");
        assert_eq!(string(r#""\xZ\q\u00e9\'""#), br"\xZ\q\u00e9\'");
        // Surrogates are encoded like any code point, giving invalid UTF-8 as in PHP.
        assert_eq!(string(r#""\u{D800}""#), b"\xED\xA0\x80");
        assert_eq!(string(r#""$ { $ 1 $1""#), b"$ { $ 1 $1");
    }

    #[test]
    fn a_variable_in_double_quotes_makes_the_string_dynamic() {
        for code in [
            r#""$x""#,
            r#""a{$x}b""#,
            r#""${x}""#,
            r#""{$_SERVER["HTTP_HOST"]}""#,
            r#""{$a['k']}""#,
            r#""\{$x}""#,
            "`ls`",
        ] {
            assert_eq!(kinds(code), vec![TokenKind::DynamicStr], "{code}");
        }
        // The inner quotes of `{$a["k"]}` do not end the string.
        assert_eq!(
            kinds(r#""{$a["k"]}" . 'x'"#),
            vec![TokenKind::DynamicStr, TokenKind::Punct("."), TokenKind::Str(b"x".to_vec())]
        );
    }

    #[test]
    fn heredoc_and_nowdoc_follow_the_php_7_3_rules() {
        // Checked with PHP 8.2: indentation of the closing label is removed, a blank line may be
        // shorter, `\"` stays as written in a heredoc, the label may appear inside a line.
        assert_eq!(
            string("<<<EOT\n    x \\\" \\t EOT\n\n  \n    y\n    EOT"),
            b"x \\\" \t EOT\n\n\ny"
        );
        assert_eq!(string("<<<'EOT'\n  raw \\t $x {$y}\n  EOT\n"), b"raw \\t $x {$y}");
        assert_eq!(string("<<<\"EOT\"\r\nq\\tq\r\nEOT"), b"q\tq");
        assert_eq!(string("<<<EOT\nEOT"), b"");
        assert_eq!(string("<<<EOT\nEOTX\nEOT"), b"EOTX");
        assert_eq!(kinds("<<<EOT\n$x\nEOT;"), vec![TokenKind::DynamicStr, TokenKind::Punct(";")]);
        assert_eq!(
            error("<<<EOT\n    x\n  y\n    EOT;"),
            SyntaxErrorKind::InvalidHeredocIndentation
        );
        assert_eq!(error("<<<EOT\n\tx\n \tEOT;"), SyntaxErrorKind::InvalidHeredocIndentation);
        assert_eq!(error("<<<EOT\nx\n"), SyntaxErrorKind::UnterminatedHeredoc);
        // Not a heredoc: a shift and a comparison.
        assert_eq!(
            kinds("1 <<<2"),
            vec![
                TokenKind::Int(1),
                TokenKind::Punct("<<"),
                TokenKind::Punct("<"),
                TokenKind::Int(2)
            ]
        );
    }

    #[test]
    fn numbers_are_read_in_every_base_with_separators() {
        let cases: &[(&str, TokenKind)] = &[
            ("0x1A", TokenKind::Int(26)),
            ("0X1a", TokenKind::Int(26)),
            ("0b11", TokenKind::Int(3)),
            ("0B1_1", TokenKind::Int(3)),
            ("0o17", TokenKind::Int(15)),
            ("017", TokenKind::Int(15)),
            ("0", TokenKind::Int(0)),
            ("1_000", TokenKind::Int(1000)),
            ("1.5", TokenKind::Float(1.5)),
            (".5", TokenKind::Float(0.5)),
            ("1.", TokenKind::Float(1.0)),
            ("1e3", TokenKind::Float(1000.0)),
            ("1E-2", TokenKind::Float(0.01)),
            ("1_0.5_0e1_0", TokenKind::Float(10.5e10)),
            ("9223372036854775807", TokenKind::Int(i64::MAX)),
            ("9223372036854775808", TokenKind::Float(9_223_372_036_854_775_808.0)),
            ("0x7FFFFFFFFFFFFFFF", TokenKind::Int(i64::MAX)),
            ("0xFFFFFFFFFFFFFFFF", TokenKind::Float(18_446_744_073_709_551_615.0)),
        ];
        for (code, expected) in cases {
            assert_eq!(kinds(code), vec![expected.clone()], "{code}");
        }
        assert_eq!(error("089"), SyntaxErrorKind::InvalidNumber);
        // `1_` is the number 1 and the name `_`, as in PHP.
        assert_eq!(kinds("1_"), vec![TokenKind::Int(1), TokenKind::Name]);
    }

    #[test]
    fn comments_of_every_kind_are_skipped() {
        assert_eq!(kinds("// x\n# y\n/* z */ /** w */ 1"), vec![TokenKind::Int(1)]);
        // `#[` is an attribute, not a comment.
        assert_eq!(
            kinds("#[A] 1"),
            vec![TokenKind::Punct("#["), TokenKind::Name, TokenKind::Punct("]"), TokenKind::Int(1)]
        );
        // A line comment ends before `?>`; an open `/*` runs to the end (PHP only warns).
        assert_eq!(kinds("// x ?> html"), vec![TokenKind::CloseTag]);
        assert_eq!(kinds("1 /* never closed"), vec![TokenKind::Int(1)]);
    }

    #[test]
    fn text_outside_php_tags_is_skipped() {
        let tokens = tokenize("<html><?xml x ?><?PHP\n1 ?>\ntext <?= 2 ?><? 3").unwrap();
        let kinds: Vec<_> = tokens.into_iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TokenKind::OpenTag,
                TokenKind::Int(1),
                TokenKind::CloseTag,
                TokenKind::OpenTag,
                TokenKind::Int(2),
                TokenKind::CloseTag,
                TokenKind::OpenTag,
                TokenKind::Int(3),
            ]
        );
        assert_eq!(tokenize("no php here").unwrap(), vec![]);
        assert_eq!(tokenize("<?phpx").unwrap(), vec![]);
    }

    #[test]
    fn names_keep_their_namespace_separators() {
        let src = "<?php \\define Foo\\Bar $x $ \\";
        let tokens = tokenize(src).unwrap();
        let texts: Vec<_> =
            tokens.iter().skip(1).map(|t| (&src[t.start..t.end], t.kind.clone())).collect();
        assert_eq!(
            texts,
            vec![
                ("\\define", TokenKind::Name),
                ("Foo\\Bar", TokenKind::Name),
                ("$x", TokenKind::Variable),
                ("$", TokenKind::Punct("$")),
                ("\\", TokenKind::Punct("\\")),
            ]
        );
    }

    #[test]
    fn halt_compiler_ends_the_code() {
        assert_eq!(
            kinds("1; __halt_compiler(); 'unterminated"),
            vec![TokenKind::Int(1), TokenKind::Punct(";"), TokenKind::Name]
        );
    }

    #[test]
    fn unterminated_strings_and_bad_escapes_are_errors_at_their_start() {
        let err = tokenize("<?php\n  'abc").unwrap_err();
        assert_eq!(err, LexError { offset: 8, kind: SyntaxErrorKind::UnterminatedString });
        assert_eq!(error("\"abc"), SyntaxErrorKind::UnterminatedString);
        assert_eq!(error("\"{$a"), SyntaxErrorKind::UnterminatedString);
        assert_eq!(error("`abc"), SyntaxErrorKind::UnterminatedString);
        assert_eq!(error(r#""\u{}""#), SyntaxErrorKind::InvalidUnicodeEscape);
        assert_eq!(error(r#""\u{110000}""#), SyntaxErrorKind::InvalidUnicodeEscape);
        assert_eq!(error(r#""\u{41""#), SyntaxErrorKind::InvalidUnicodeEscape);
        assert_eq!(error(r#""\u{FFFFFFFFFFFF}""#), SyntaxErrorKind::InvalidUnicodeEscape);
        let deep = format!("\"{}", "{$a[\"".repeat(100));
        assert_eq!(error(&deep), SyntaxErrorKind::NestingTooDeep);
    }
}
