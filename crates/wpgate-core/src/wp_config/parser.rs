//! Finds `define()`, `const` and `$table_prefix` in a token stream, without running anything.
//!
//! The parser walks the tokens once, keeping only the context that decides whether a
//! definition runs when the file is included: function and class bodies (never run by an
//! include), and conditions (`if`, `else`, `switch`, `? :`, `||`, …) that we cannot evaluate.
//! Values are folded only from literals, `.` concatenation, unary signs, parentheses and
//! constants defined earlier in the file; anything else is kept as source text.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use super::lexer::{Token, TokenKind};
use super::{Definition, Include, StaticDefine, SyntaxErrorKind, Value, looks_secret};

/// Everything the reader keeps from one file.
#[derive(Clone, Default)]
pub(super) struct Parsed {
    /// First definitions in source order (PHP keeps the first and warns about the others).
    pub(super) definitions: Vec<Definition>,
    pub(super) index: HashMap<String, usize>,
    pub(super) shadowed: Vec<Definition>,
    pub(super) table_prefix: Option<Definition>,
    pub(super) includes: Vec<Include>,
    pub(super) static_defines: Vec<StaticDefine>,
    pub(super) has_open_tag: bool,
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ParseError {
    pub(super) offset: usize,
    pub(super) kind: SyntaxErrorKind,
}

/// Line starts, to turn byte offsets into the 1-based line and column PHP would report.
#[derive(Debug, Clone)]
pub(super) struct LineIndex {
    starts: Vec<usize>,
    /// The last position asked for (offset, line index, column): positions are mostly asked
    /// in increasing order, so columns are counted from there instead of from the line start,
    /// which keeps a file written on one long line linear.
    last: Cell<(usize, usize, usize)>,
}

impl LineIndex {
    /// PHP counts `\n`, `\r\n` and a lone `\r` as one line break each.
    pub(super) fn new(src: &str) -> Self {
        let b = src.as_bytes();
        let mut starts = vec![0];
        for (i, c) in b.iter().enumerate() {
            match c {
                b'\n' => starts.push(i + 1),
                b'\r' if b.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        LineIndex { starts, last: Cell::new((0, 0, 0)) }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(super) fn position(&self, src: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|start| *start <= offset).saturating_sub(1);
        let (last_offset, last_line, last_column) = self.last.get();
        let (from, base) = if last_line == line && last_offset <= offset {
            (last_offset, last_column)
        } else {
            (self.starts.get(line).copied().unwrap_or(0), 0)
        };
        // Characters, not bytes: UTF-8 continuation bytes do not start a character.
        let column = base
            + src
                .as_bytes()
                .get(from..offset)
                .map_or(0, |text| text.iter().filter(|c| (**c & 0xC0) != 0x80).count());
        self.last.set((offset, line, column));
        (line + 1, column + 1)
    }
}

/// Runs the parser over a token stream.
pub(super) fn parse(src: &str, tokens: &[Token], lines: &LineIndex) -> Result<Parsed, ParseError> {
    let mut parser = Parser {
        src,
        toks: tokens,
        lines,
        out: Parsed::default(),
        blocks: Vec::new(),
        pending: None,
        single: Vec::new(),
        alt_depth: 0,
        stmt_logic: false,
        arrow_body: false,
        namespace: String::new(),
    };
    let mut i = 0;
    while i < tokens.len() {
        i = parser.step(i)?.max(i + 1);
    }
    Ok(parser.out)
}

/// How deeply a value expression may nest (`((((…))))`, `- - - 1`) before it counts as
/// non-literal; keeps the recursion far from the stack limit on hostile input.
const MAX_EXPRESSION_DEPTH: usize = 64;

/// What a `{ … }` block means for the definitions inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Runs whenever the code around it runs (`try`, `namespace X {`, bare braces).
    Plain,
    /// Runs only if a condition we cannot evaluate holds (`if`, `else`, `switch`, `catch`).
    Conditional,
    /// A function or class body: including the file defines nothing from here.
    Body,
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    lines: &'a LineIndex,
    out: Parsed,
    /// Open `{` blocks, innermost last.
    blocks: Vec<Block>,
    /// What the next `{` opens (set by `if (…)`, `function`, `class`, …).
    pending: Option<Block>,
    /// Block depths at which a brace-less conditional statement (`if (…) stmt;`) is open.
    single: Vec<usize>,
    /// Open `if (…):` … `endif;` blocks (the alternative syntax).
    alt_depth: usize,
    /// The current statement contains `||`, `&&`, `?`, `or`, … before this point.
    stmt_logic: bool,
    /// The rest of the current statement follows `fn (…) =>`: an arrow function's body.
    arrow_body: bool,
    namespace: String,
}

impl Parser<'_> {
    fn kind(&self, i: usize) -> Option<&TokenKind> {
        self.toks.get(i).map(|t| &t.kind)
    }

    fn is_punct(&self, i: usize, p: &str) -> bool {
        matches!(self.kind(i), Some(TokenKind::Punct(q)) if *q == p)
    }

    fn text(&self, token: &Token) -> &str {
        self.src.get(token.start..token.end).unwrap_or_default()
    }

    /// A name token's text without a leading `\`, lowercased (keywords and function names are
    /// case-insensitive in PHP).
    fn keyword(&self, i: usize) -> Option<String> {
        let token = self.toks.get(i)?;
        (token.kind == TokenKind::Name)
            .then(|| self.text(token).trim_start_matches('\\').to_ascii_lowercase())
    }

    fn in_body(&self) -> bool {
        self.arrow_body || self.blocks.contains(&Block::Body)
    }

    fn conditional(&self) -> bool {
        self.blocks.contains(&Block::Conditional)
            || !self.single.is_empty()
            || self.alt_depth > 0
            || self.stmt_logic
    }

    fn end_statement(&mut self) {
        self.stmt_logic = false;
        self.arrow_body = false;
        let depth = self.blocks.len();
        while self.single.last() == Some(&depth) {
            self.single.pop();
        }
    }

    /// Handles the token at `i`; returns the index of the next token to look at.
    fn step(&mut self, i: usize) -> Result<usize, ParseError> {
        let Some(token) = self.toks.get(i) else {
            return Ok(i + 1);
        };
        match &token.kind {
            TokenKind::OpenTag => {
                self.out.has_open_tag = true;
                self.end_statement();
            }
            TokenKind::CloseTag | TokenKind::Punct(";") => {
                self.end_statement();
                self.pending = None;
            }
            TokenKind::Punct("{") => {
                let block = self.pending.take().unwrap_or(Block::Plain);
                self.blocks.push(block);
                self.stmt_logic = false;
            }
            TokenKind::Punct("}") => {
                self.blocks.pop();
                self.end_statement();
            }
            TokenKind::Punct("||" | "&&" | "?" | "??") => self.stmt_logic = true,
            TokenKind::Variable if self.text(token) == "$table_prefix" => {
                return Ok(self.table_prefix(i));
            }
            TokenKind::Name => return self.name(i),
            _ => {}
        }
        Ok(i + 1)
    }

    fn name(&mut self, i: usize) -> Result<usize, ParseError> {
        let Some(word) = self.keyword(i) else {
            return Ok(i + 1);
        };
        let prev = i.checked_sub(1).and_then(|p| self.kind(p));
        if matches!(prev, Some(TokenKind::Punct("->" | "?->" | "::"))) {
            // A method or class constant, never the global function: `Config::define(…)` is
            // Bedrock's configuration API, remembered to explain a missing constant later.
            if word == "define"
                && self.is_punct(i + 1, "(")
                && matches!(prev, Some(TokenKind::Punct("::")))
            {
                let class = i
                    .checked_sub(2)
                    .and_then(|c| self.toks.get(c))
                    .map(|t| self.text(t).to_owned())
                    .unwrap_or_default();
                let (line, _) = self.position(i);
                self.out.static_defines.push(StaticDefine { line, class });
            }
            return Ok(i + 1);
        }
        let prev_word = i.checked_sub(1).and_then(|p| self.keyword(p));
        match word.as_str() {
            "if" | "elseif" | "while" | "for" | "foreach" | "switch" | "catch" | "match" => {
                if !self.is_punct(i + 1, "(") {
                    return Ok(i + 1);
                }
                let after = self.matching_close(i + 1).map_or(self.toks.len(), |c| c + 1);
                match self.kind(after) {
                    Some(TokenKind::Punct("{")) => self.pending = Some(Block::Conditional),
                    Some(TokenKind::Punct(":")) => {
                        if word != "elseif" {
                            self.alt_depth += 1;
                        }
                    }
                    _ => self.single.push(self.blocks.len()),
                }
                return Ok(after);
            }
            "else" => match self.kind(i + 1) {
                Some(TokenKind::Punct("{")) => self.pending = Some(Block::Conditional),
                Some(TokenKind::Punct(":")) => {}
                _ if self.keyword(i + 1).as_deref() == Some("if") => {}
                _ => self.single.push(self.blocks.len()),
            },
            "endif" | "endwhile" | "endfor" | "endforeach" | "endswitch" => {
                self.alt_depth = self.alt_depth.saturating_sub(1);
            }
            "function" | "class" | "interface" | "trait" => self.pending = Some(Block::Body),
            "fn" if self.is_punct(i + 1, "(") => self.arrow_body = true,
            "enum" if self.kind(i + 1) == Some(&TokenKind::Name) => {
                self.pending = Some(Block::Body);
            }
            "namespace" => {
                if let Some(next) = self.toks.get(i + 1).filter(|t| t.kind == TokenKind::Name) {
                    self.namespace = self.text(next).trim_start_matches('\\').to_owned();
                } else if self.is_punct(i + 1, "{") {
                    self.namespace.clear();
                }
            }
            "or" | "and" | "xor" => self.stmt_logic = true,
            "define"
                if self.is_punct(i + 1, "(")
                    && !matches!(prev_word.as_deref(), Some("function" | "new" | "const")) =>
            {
                return self.define(i);
            }
            "const" if prev_word.as_deref() != Some("use") && !self.in_body() => {
                return Ok(self.const_declaration(i));
            }
            "require" | "require_once" | "include" | "include_once" if !self.in_body() => {
                let end = self.statement_end(i + 1);
                let (line, _) = self.position(i);
                let source = self.source(i..end);
                self.out.includes.push(Include { line, source });
                return Ok(end);
            }
            _ => {}
        }
        Ok(i + 1)
    }

    /// `define( name, value [, case_insensitive] )`, also with named arguments.
    fn define(&mut self, i: usize) -> Result<usize, ParseError> {
        let (args, close) = self.call_args(i + 1)?;
        let next = close + 1;
        if self.in_body() {
            return Ok(next);
        }
        let mut name_arg = None;
        let mut value_arg = None;
        for (position, arg) in args.into_iter().enumerate() {
            if self.is_punct(arg.start, "...") {
                // `define(...$args)`: the name is only known at run time.
                return Ok(next);
            }
            let named =
                self.kind(arg.start) == Some(&TokenKind::Name) && self.is_punct(arg.start + 1, ":");
            let (slot, arg) = if named {
                let label = self.keyword(arg.start).unwrap_or_default();
                (label, arg.start + 2..arg.end)
            } else {
                let slot = match position {
                    0 => "constant_name",
                    1 => "value",
                    _ => "case_insensitive",
                };
                (slot.to_owned(), arg)
            };
            match slot.as_str() {
                "constant_name" => name_arg = Some(arg),
                "value" => value_arg = Some(arg),
                _ => {}
            }
        }
        let (Some(name_arg), Some(value_arg)) = (name_arg, value_arg) else {
            return Err(self.error(i, SyntaxErrorKind::MissingDefineArgument));
        };
        if name_arg.is_empty() || value_arg.is_empty() {
            return Err(self.error(i, SyntaxErrorKind::MissingDefineArgument));
        }
        let name = self
            .fold(name_arg)
            .and_then(|v| v.to_php_string().map(|b| b.into_owned()))
            .and_then(|b| String::from_utf8(b).ok());
        let Some(name) = name else {
            // A name computed at run time (`define( $name, … )`) cannot be looked up anyway.
            return Ok(next);
        };
        if name.contains("::") {
            // PHP refuses class constants here (ValueError); nothing gets defined.
            return Ok(next);
        }
        let conditional = self.conditional();
        self.record(name, value_arg, i, conditional);
        Ok(next)
    }

    /// `const NAME = value [, NAME = value …];` outside classes and functions.
    fn const_declaration(&mut self, i: usize) -> usize {
        let end = self.statement_end(i + 1);
        let conditional = self.conditional();
        for part in self.split_commas(i + 1..end) {
            let is_name = self.kind(part.start) == Some(&TokenKind::Name);
            if !is_name || !self.is_punct(part.start + 1, "=") || part.end <= part.start + 2 {
                continue;
            }
            let Some(token) = self.toks.get(part.start) else {
                continue;
            };
            let bare = self.text(token).to_owned();
            let name = if self.namespace.is_empty() {
                bare
            } else {
                format!("{}\\{bare}", self.namespace)
            };
            self.record(name, part.start + 2..part.end, part.start, conditional);
        }
        end
    }

    /// `$table_prefix = value;` and its compound forms.
    fn table_prefix(&mut self, i: usize) -> usize {
        let op = match self.kind(i + 1) {
            Some(TokenKind::Punct(op)) => *op,
            _ => return i + 1,
        };
        let assigns = op.ends_with('=') && !matches!(op, "==" | "===" | "!=" | "!==" | "<=" | ">=");
        if !assigns || self.in_body() {
            return i + 1;
        }
        let end = self.statement_end(i + 2);
        let (line, column) = self.position(i);
        // `??=` assigns only when unset: the same as a conditional `=`.
        let conditional = self.conditional() || op == "??=";
        let range = if matches!(op, "=" | "??=") { i + 2..end } else { i..end };
        let value = if matches!(op, "=" | "??=") {
            self.value(range.clone())
        } else {
            Value::NonLiteral { source: self.source(range.clone()) }
        };
        let shown = self.shown(&value, range, false);
        let definition =
            Definition::new("$table_prefix".to_owned(), value, line, column, conditional, shown);
        // A later assignment replaces an earlier one, except that one we cannot be sure runs
        // does not replace one that surely ran: this keeps the value of files that end with
        // `if ( ! isset( $table_prefix ) ) { $table_prefix = 'wp_'; }` (Debian's wp-config.php).
        if self.out.table_prefix.is_none() || !conditional {
            self.out.table_prefix = Some(definition);
        }
        end
    }

    /// Stores a definition; a name already defined goes to the shadowed list (PHP keeps the
    /// first value and warns "Constant X already defined").
    fn record(&mut self, name: String, value_range: Range<usize>, at: usize, conditional: bool) {
        let value = self.value(value_range.clone());
        let shown = self.shown(&value, value_range, looks_secret(&name));
        let (line, column) = self.position(at);
        let definition = Definition::new(name, value, line, column, conditional, shown);
        if self.out.index.contains_key(definition.name()) {
            self.out.shadowed.push(definition);
        } else {
            self.out.index.insert(definition.name().to_owned(), self.out.definitions.len());
            self.out.definitions.push(definition);
        }
    }

    fn value(&self, range: Range<usize>) -> Value {
        self.fold(range.clone()).unwrap_or_else(|| Value::NonLiteral { source: self.source(range) })
    }

    /// How a non-literal value is shown in errors and `Debug`: its source on one line, with the
    /// literals masked when the constant is a secret (`getenv('DB_PASS') ?: 'hunter2'` shows
    /// `getenv('DB_PASS') ?: '***'`: the literal could be the password itself).
    fn shown(&self, value: &Value, range: Range<usize>, secret: bool) -> String {
        if !matches!(value, Value::NonLiteral { .. }) {
            return String::new();
        }
        let mut out = String::new();
        let mut prev_end = None;
        let range_start = range.start;
        for k in range {
            let Some(token) = self.toks.get(k) else {
                break;
            };
            if prev_end.is_some_and(|end| token.start > end) {
                out.push(' ');
            }
            prev_end = Some(token.end);
            let literal = matches!(
                token.kind,
                TokenKind::Str(_) | TokenKind::DynamicStr | TokenKind::Int(_) | TokenKind::Float(_)
            );
            // An argument or array key on its own (`getenv('DB_PASS')`, `$_ENV['DB_PASS']`)
            // names where the secret comes from and stays visible.
            let lone_argument = k >= range_start + 2
                && matches!(
                    self.kind(k - 2),
                    Some(TokenKind::Name | TokenKind::Variable | TokenKind::Punct("]"))
                )
                && (self.is_punct(k - 1, "(") || self.is_punct(k - 1, "["))
                && (self.is_punct(k + 1, ")") || self.is_punct(k + 1, "]"));
            if secret && literal && !lone_argument {
                out.push_str("'***'");
            } else {
                // One line: heredocs and multi-line strings lose their line breaks here.
                out.extend(self.text(token).chars().map(|c| match c {
                    '\r' | '\n' => ' ',
                    c => c,
                }));
            }
        }
        out
    }

    /// The source text of a token range, as written.
    fn source(&self, range: Range<usize>) -> String {
        let start = self.toks.get(range.start).map(|t| t.start);
        let end = range.end.checked_sub(1).and_then(|last| self.toks.get(last)).map(|t| t.end);
        match (start, end) {
            (Some(start), Some(end)) => self.src.get(start..end).unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    }

    fn position(&self, i: usize) -> (usize, usize) {
        let offset = self.toks.get(i).map_or(self.src.len(), |t| t.start);
        self.lines.position(self.src, offset)
    }

    fn error(&self, i: usize, kind: SyntaxErrorKind) -> ParseError {
        let offset = self.toks.get(i).map_or(self.src.len(), |t| t.start);
        ParseError { offset, kind }
    }

    /// The index of the `)` matching the `(` at `open`, if any.
    fn matching_close(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (k, token) in self.toks.iter().enumerate().skip(open) {
            match token.kind {
                TokenKind::Punct("(" | "[" | "{" | "#[") => depth += 1,
                TokenKind::Punct(")" | "]" | "}") => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(k);
                    }
                }
                TokenKind::OpenTag | TokenKind::CloseTag => return None,
                _ => {}
            }
        }
        None
    }

    /// The argument ranges of the call whose `(` is at `open`, and the index of its `)`.
    fn call_args(&self, open: usize) -> Result<(Vec<Range<usize>>, usize), ParseError> {
        let close = self
            .matching_close(open)
            .filter(|c| self.is_punct(*c, ")"))
            .ok_or_else(|| self.error(open, SyntaxErrorKind::UnclosedCall))?;
        let args =
            self.split_commas(open + 1..close).into_iter().filter(|arg| !arg.is_empty()).collect();
        Ok((args, close))
    }

    /// Splits a token range at the commas that are not nested in brackets.
    fn split_commas(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = range.start;
        for k in range.clone() {
            match self.kind(k) {
                Some(TokenKind::Punct("(" | "[" | "{" | "#[")) => depth += 1,
                Some(TokenKind::Punct(")" | "]" | "}")) => depth = depth.saturating_sub(1),
                Some(TokenKind::Punct(",")) if depth == 0 => {
                    parts.push(start..k);
                    start = k + 1;
                }
                _ => {}
            }
        }
        parts.push(start..range.end.max(start));
        parts
    }

    /// The index of the `;` (or `?>`) ending the statement that continues at `from`, or of the
    /// `}` closing the enclosing block, or the end of the tokens.
    fn statement_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        for (k, token) in self.toks.iter().enumerate().skip(from) {
            match token.kind {
                TokenKind::Punct("(" | "[" | "{" | "#[") => depth += 1,
                TokenKind::Punct(")" | "]" | "}") => match depth.checked_sub(1) {
                    Some(d) => depth = d,
                    None => return k,
                },
                TokenKind::Punct(";") | TokenKind::CloseTag | TokenKind::OpenTag if depth == 0 => {
                    return k;
                }
                _ => {}
            }
        }
        self.toks.len()
    }

    /// The value of a token range if it is a literal expression.
    fn fold(&self, range: Range<usize>) -> Option<Value> {
        let toks = self.toks.get(range)?;
        let mut p = 0;
        let value = self.concat(toks, &mut p, 0)?;
        (p == toks.len()).then_some(value)
    }

    /// `operand ( . operand )*`: PHP converts both sides to strings.
    fn concat(&self, toks: &[Token], p: &mut usize, depth: usize) -> Option<Value> {
        let mut value = self.unary(toks, p, depth)?;
        while matches!(toks.get(*p).map(|t| &t.kind), Some(TokenKind::Punct("."))) {
            *p += 1;
            let right = self.unary(toks, p, depth)?;
            let mut joined = value.to_php_string()?.into_owned();
            joined.extend_from_slice(&right.to_php_string()?);
            value = Value::String(joined);
        }
        Some(value)
    }

    /// Literals, `(…)`, unary `-`/`+` on numbers, `true`/`false`/`null` and earlier constants.
    fn unary(&self, toks: &[Token], p: &mut usize, depth: usize) -> Option<Value> {
        if depth > MAX_EXPRESSION_DEPTH {
            return None;
        }
        let token = toks.get(*p)?;
        *p += 1;
        match &token.kind {
            TokenKind::Str(bytes) => Some(Value::String(bytes.clone())),
            TokenKind::Int(n) => Some(Value::Int(*n)),
            TokenKind::Float(f) => Some(Value::Float(*f)),
            TokenKind::Punct("-") => match self.unary(toks, p, depth + 1)? {
                // Only `-PHP_INT_MIN` overflows; PHP turns it into a float.
                Value::Int(n) => {
                    Some(n.checked_neg().map_or(Value::Float(-(n as f64)), Value::Int))
                }
                Value::Float(f) => Some(Value::Float(-f)),
                _ => None,
            },
            TokenKind::Punct("+") => match self.unary(toks, p, depth + 1)? {
                number @ (Value::Int(_) | Value::Float(_)) => Some(number),
                _ => None,
            },
            TokenKind::Punct("(") => {
                let value = self.concat(toks, p, depth + 1)?;
                let closed = matches!(toks.get(*p).map(|t| &t.kind), Some(TokenKind::Punct(")")));
                *p += 1;
                closed.then_some(value)
            }
            TokenKind::Name => {
                // A call or a class constant is code, not a constant reference.
                if matches!(toks.get(*p).map(|t| &t.kind), Some(TokenKind::Punct("(" | "::"))) {
                    return None;
                }
                let name = self.text(token).trim_start_matches('\\');
                match name.to_ascii_lowercase().as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    "null" => Some(Value::Null),
                    _ => {
                        let index = self.out.index.get(name)?;
                        let definition = self.out.definitions.get(*index)?;
                        definition.is_literal().then(|| definition.value().clone())
                    }
                }
            }
            _ => None,
        }
    }
}
