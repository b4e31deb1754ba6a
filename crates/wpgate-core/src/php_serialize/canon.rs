//! What `serialize(unserialize($x))` writes when `$x` holds references.
//!
//! `unserialize()` builds a graph: `R:n` turns the value in slot `n` into a PHP reference
//! shared by both places, `r:n` repeats an object, enum cases are singletons, and a repeated
//! array key throws the earlier value away. `serialize()` then walks that graph with its own
//! rules (ext/standard/var.c `php_add_var_hash`, `php_var_serialize_nested_data`):
//!
//! * every value written takes the next slot; a reference or object seen before is written
//!   as `R:`/`r:` to the slot it first took (`R:` takes no slot, `r:` does);
//! * a reference to an object counts as the object ("references to objects are treated as if
//!   the reference didn't exist"), so only the letter tells them apart;
//! * a reference with a single holder left is written as a plain value;
//! * an array met again while it is being written (only possible through a reference to the
//!   top-level array, which `unserialize()` hands back unwrapped) is written as `N;`.
//!
//! Replaying those rules on the parsed tree gives the value PHP holds, renumbered; on PHP's
//! own output it changes nothing. References into overwritten values are refused.

use std::collections::{HashMap, HashSet};

use super::de::survivors;
use super::php_string::PhpString;
use super::value::{Key, KeyRef, Value};

/// How the top-level values were held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RootMode {
    /// One value returned by `unserialize()`: not a reference holder itself.
    Unwrapped,
    /// Session variables (`php`, `php_binary`): each one a holder like any array element.
    Vars,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CanonError {
    /// The i-th reference (document order) points into an overwritten value.
    RefToOverwritten(usize),
    /// The i-th reference points at a slot that does not exist (or `r:` at a non-object).
    BadReference(usize),
    /// The result would nest deeper than this.
    TooDeep(usize),
}

const NONE: u32 = u32::MAX;

/// Replays `unserialize()` + `serialize()` over `roots`: all values of one document in
/// document order, slots counted from `base + 1`, `live[i]` false for a root PHP threw away
/// (a repeated session variable). Returns the roots listed in `order`, written in that order
/// with slots counted from `out_base + 1`.
pub(crate) fn canonicalize(
    roots: &[&Value],
    live: &[bool],
    order: &[usize],
    base: u32,
    out_base: u32,
    mode: RootMode,
    max_depth: usize,
) -> Result<Vec<Value>, CanonError> {
    let mut ix = Index {
        base,
        nodes: Vec::new(),
        dead: Vec::new(),
        holders: Vec::new(),
        objid: Vec::new(),
        slot_of: HashMap::default(),
        enum_ids: HashMap::new(),
        refs: 0,
    };
    for (i, root) in roots.iter().enumerate() {
        ix.walk(root, live.get(i).copied().unwrap_or(false))?;
    }
    let mut em = Emitter {
        ix: &ix,
        n: out_base,
        registered: HashMap::new(),
        protected: HashSet::new(),
        depth: 0,
        max_depth: max_depth.saturating_add(1),
        unwrapped_root: (mode == RootMode::Unwrapped).then_some(base + 1),
    };
    let mut out = Vec::with_capacity(order.len());
    for &i in order {
        let Some(root) = roots.get(i) else { continue };
        let is_ref = mode == RootMode::Vars && em.position_is_ref(root);
        out.push(em.intern(root, is_ref)?);
    }
    Ok(out)
}

struct Index<'v> {
    base: u32,
    /// Slot `base + 1 + i` holds `nodes[i]`.
    nodes: Vec<&'v Value>,
    /// Whether the value in that slot was thrown away (overwritten key, dropped variable).
    dead: Vec<bool>,
    /// Live `R:` holders pointing at the slot.
    holders: Vec<u32>,
    /// Object identity of the slot's value (the slot of its `O:`/`C:` or first `E:`), or NONE.
    objid: Vec<u32>,
    /// Addresses are not chosen by the input: a fast hasher is safe here (SipHash was a
    /// tenth of reading reference-heavy values).
    slot_of: HashMap<*const Value, u32, foldhash::fast::RandomState>,
    enum_ids: HashMap<(PhpString, PhpString), u32>,
    refs: usize,
}

impl<'v> Index<'v> {
    fn at(&self, slot: u32) -> Option<usize> {
        slot.checked_sub(self.base + 1).map(|i| i as usize).filter(|&i| i < self.nodes.len())
    }

    fn node(&self, slot: u32) -> Option<&'v Value> {
        self.at(slot).and_then(|i| self.nodes.get(i).copied())
    }

    fn objid_of(&self, slot: u32) -> u32 {
        self.at(slot).and_then(|i| self.objid.get(i).copied()).unwrap_or(NONE)
    }

    /// Numbers every value of `root` in document order (iteratively: no deep recursion).
    fn walk(&mut self, root: &'v Value, live: bool) -> Result<(), CanonError> {
        type Open<'v> = (std::slice::Iter<'v, (Key, Value)>, std::vec::IntoIter<bool>, bool);
        let mut stack: Vec<Open<'v>> = Vec::new();
        let mut next = Some((root, live));
        loop {
            let visited = match next.take() {
                Some((node, live)) => self.visit(node, live)?.map(|e| (e, live)),
                None => None,
            };
            if let Some((entries, live)) = visited {
                {
                    let keys: Vec<KeyRef<'_>> =
                        entries.iter().map(|(k, _)| k.as_key_ref().normalized()).collect();
                    let mut survives = vec![false; entries.len()];
                    for (_, last) in survivors(&keys) {
                        if let Some(s) = survives.get_mut(last) {
                            *s = true;
                        }
                    }
                    stack.push((entries.iter(), survives.into_iter(), live));
                }
            }
            let Some((entries, survives, live)) = stack.last_mut() else {
                return Ok(());
            };
            match (entries.next(), survives.next()) {
                (Some((_, child)), Some(keep)) => next = Some((child, *live && keep)),
                _ => {
                    stack.pop();
                }
            }
        }
    }

    /// Records one node; returns its entries if it is a container.
    fn visit(
        &mut self,
        node: &'v Value,
        live: bool,
    ) -> Result<Option<&'v [(Key, Value)]>, CanonError> {
        if let Value::Ref(t) = node {
            let k = self.refs;
            self.refs += 1;
            let i = self.at(*t).ok_or(CanonError::BadReference(k))?;
            if live {
                if self.dead.get(i).copied().unwrap_or(true) {
                    return Err(CanonError::RefToOverwritten(k));
                }
                if let Some(h) = self.holders.get_mut(i) {
                    *h += 1;
                }
            }
            return Ok(None);
        }
        let slot = self.base + 1 + u32::try_from(self.nodes.len()).unwrap_or(NONE - 1);
        let objid = match node {
            Value::Object(_) | Value::Custom(_) => slot,
            Value::Enum(e) => {
                let class = e.class.iter().map(u8::to_ascii_lowercase).collect();
                *self.enum_ids.entry((class, e.case.clone())).or_insert(slot)
            }
            Value::ObjRef(t) => {
                let k = self.refs;
                self.refs += 1;
                let i = self.at(*t).ok_or(CanonError::BadReference(k))?;
                if live && self.dead.get(i).copied().unwrap_or(true) {
                    return Err(CanonError::RefToOverwritten(k));
                }
                let id = self.objid.get(i).copied().unwrap_or(NONE);
                if id == NONE {
                    return Err(CanonError::BadReference(k));
                }
                id
            }
            _ => NONE,
        };
        self.nodes.push(node);
        self.dead.push(!live);
        self.holders.push(0);
        self.objid.push(objid);
        self.slot_of.insert(node as *const Value, slot);
        Ok(match node {
            Value::Array(entries) => Some(entries),
            Value::Object(o) => Some(&o.entries),
            _ => None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Reg {
    Object(u32),
    Cell(u32),
}

struct Emitter<'a, 'v> {
    ix: &'a Index<'v>,
    n: u32,
    registered: HashMap<Reg, u32>,
    protected: HashSet<u32>,
    depth: usize,
    max_depth: usize,
    unwrapped_root: Option<u32>,
}

impl<'v> Emitter<'_, 'v> {
    fn slot(&self, node: &Value) -> u32 {
        self.ix.slot_of.get(&(node as *const Value)).copied().unwrap_or(NONE)
    }

    /// The slot whose value this position holds (its own, or the target of `R:`).
    fn value_slot(&self, node: &Value) -> u32 {
        match node {
            Value::Ref(t) => *t,
            _ => self.slot(node),
        }
    }

    /// Whether the value in `slot` is a PHP reference with at least two holders left.
    fn slot_is_ref(&self, slot: u32) -> bool {
        let held = self.ix.at(slot).and_then(|i| self.ix.holders.get(i).copied()).unwrap_or(0);
        let own = u32::from(self.unwrapped_root != Some(slot));
        held >= 1 && held + own >= 2
    }

    fn position_is_ref(&self, node: &Value) -> bool {
        self.slot_is_ref(self.value_slot(node))
    }

    /// `php_var_serialize_intern` for one position, with the containers it opens walked
    /// on an explicit stack (hostile nesting must not exhaust the Rust stack).
    fn intern(&mut self, root: &'v Value, is_ref: bool) -> Result<Value, CanonError> {
        let mut stack: Vec<Frame<'v>> = Vec::new();
        let mut done = match self.step(root, is_ref)? {
            Step::Done(v) => Some(v),
            Step::Open(frame) => {
                stack.push(frame);
                None
            }
        };
        loop {
            if let Some(v) = done.take() {
                let Some(frame) = stack.last_mut() else {
                    return Ok(v);
                };
                if let Some((key, unprotect)) = frame.pending.take() {
                    if let Some(slot) = unprotect {
                        self.protected.remove(&slot);
                    }
                    frame.out.push((key, v));
                }
            }
            let Some(frame) = stack.last_mut() else {
                return Ok(Value::Null);
            };
            let Some(&(first, last)) = frame.plan.get(frame.next) else {
                let Some(frame) = stack.pop() else {
                    return Ok(Value::Null);
                };
                self.depth -= 1;
                done = Some(match frame.class {
                    Some(class) => {
                        Value::Object(Box::new(super::value::Object { class, entries: frame.out }))
                    }
                    None => Value::Array(frame.out),
                });
                continue;
            };
            frame.next += 1;
            let (Some((key, _)), Some((_, child))) =
                (frame.entries.get(first), frame.entries.get(last))
            else {
                continue;
            };
            let struc_array = frame.struc_array;
            let key = key.clone();
            // php_var_serialize_nested_data: a reference with one holder is a plain value; a
            // plain array met again while being written is `N;`.
            let is_ref = self.position_is_ref(child);
            let mut unprotect = None;
            if !is_ref {
                let vslot = self.value_slot(child);
                if matches!(self.ix.node(vslot), Some(Value::Array(_))) {
                    if self.protected.contains(&vslot) || struc_array == Some(vslot) {
                        self.n += 1;
                        frame.out.push((key, Value::Null));
                        continue;
                    }
                    self.protected.insert(vslot);
                    unprotect = Some(vslot);
                }
            }
            frame.pending = Some((key, unprotect));
            match self.step(child, is_ref)? {
                Step::Done(v) => done = Some(v),
                Step::Open(f) => stack.push(f),
            }
        }
    }

    /// One position: a finished value, or a container whose entries come next.
    fn step(&mut self, node: &'v Value, is_ref: bool) -> Result<Step<'v>, CanonError> {
        self.n += 1;
        let vslot = self.value_slot(node);
        let oid = self.ix.objid_of(vslot);
        if oid != NONE {
            if let Some(&s) = self.registered.get(&Reg::Object(oid)) {
                if is_ref {
                    self.n -= 1;
                    return Ok(Step::Done(Value::Ref(s)));
                }
                return Ok(Step::Done(Value::ObjRef(s)));
            }
            self.registered.insert(Reg::Object(oid), self.n);
            return match self.ix.node(oid) {
                Some(Value::Object(o)) => self.open(&o.entries, None, Some(o.class.clone())),
                Some(v @ (Value::Custom(_) | Value::Enum(_))) => Ok(Step::Done(v.clone())),
                _ => Ok(Step::Done(Value::Null)),
            };
        }
        if is_ref {
            if let Some(&s) = self.registered.get(&Reg::Cell(vslot)) {
                self.n -= 1;
                return Ok(Step::Done(Value::Ref(s)));
            }
            self.registered.insert(Reg::Cell(vslot), self.n);
        }
        match self.ix.node(vslot) {
            Some(Value::Array(entries)) => self.open(entries, Some(vslot), None),
            Some(v) => Ok(Step::Done(v.clone())),
            None => Ok(Step::Done(Value::Null)),
        }
    }

    fn open(
        &mut self,
        entries: &'v [(Key, Value)],
        struc_array: Option<u32>,
        class: Option<PhpString>,
    ) -> Result<Step<'v>, CanonError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(CanonError::TooDeep(self.max_depth.saturating_sub(1)));
        }
        let keys: Vec<KeyRef<'_>> =
            entries.iter().map(|(k, _)| k.as_key_ref().normalized()).collect();
        let plan = survivors(&keys);
        Ok(Step::Open(Frame {
            entries,
            out: Vec::with_capacity(plan.len()),
            plan,
            next: 0,
            struc_array,
            class,
            pending: None,
        }))
    }
}

/// A container being written: its surviving entries (first position, last value) and what
/// has been produced so far.
struct Frame<'v> {
    entries: &'v [(Key, Value)],
    plan: Vec<(usize, usize)>,
    next: usize,
    out: Vec<(Key, Value)>,
    struc_array: Option<u32>,
    /// `Some(class)` for an object.
    class: Option<PhpString>,
    /// The key of the entry being produced, and the array to unprotect when it is done.
    pending: Option<(Key, Option<u32>)>,
}

enum Step<'v> {
    Done(Value),
    Open(Frame<'v>),
}
