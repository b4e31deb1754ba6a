//! What the reader may know about PHP classes, to decide like PHP when a class matters.

use std::collections::HashMap;

/// The PHP classes an application declares, as far as `unserialize()` cares.
///
/// Without a table ([`crate::php_serialize::Unserializer`]'s default) the reader treats every
/// class as opaque data: names are kept as written, `C:` payloads are kept, enum cases are
/// accepted when well formed. With a table it decides as PHP does with those classes loaded:
/// class names take their declared case (`STDCLASS` → `stdClass`), `C:` on a class without
/// `Serializable` becomes an empty object, `O:` on a `Serializable`-only class and unknown
/// enum cases are rejected, unknown classes become incomplete objects (integer property
/// names turn into strings, a `C:` payload is dropped).
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::{ClassTable, PhpClass, Unserializer, Value};
/// let classes = ClassTable::builtin().with(PhpClass::enumeration("Suit", ["Hearts"]));
/// let reader = Unserializer::new().classes(&classes);
/// assert!(reader.unserialize(br#"E:11:"Suit:Hearts";"#).is_ok());
/// assert!(reader.unserialize(br#"E:10:"Suit:Clubs";"#).is_err());
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClassTable {
    classes: Vec<PhpClass>,
    by_lower_name: HashMap<Vec<u8>, usize>,
}

/// One declared class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhpClass {
    pub(crate) name: Vec<u8>,
    pub(crate) serializable: bool,
    pub(crate) magic_unserialize: bool,
    pub(crate) enum_cases: Option<Vec<Vec<u8>>>,
}

impl ClassTable {
    /// An empty table: every class is unknown (incomplete), as in a PHP without autoloader.
    pub fn new() -> Self {
        ClassTable::default()
    }

    /// The classes every PHP has that sessions commonly hold: `stdClass` (plain),
    /// `ArrayObject`, `ArrayIterator`, `SplObjectStorage` (`Serializable` with
    /// `__unserialize`), `DateTime`, `DateTimeImmutable`, `DateTimeZone`, `DateInterval`
    /// (`__unserialize` since PHP 8.2).
    pub fn builtin() -> Self {
        let mut t = ClassTable::new().with(PhpClass::new("stdClass"));
        for name in ["DateTime", "DateTimeImmutable", "DateTimeZone", "DateInterval"] {
            t = t.with(PhpClass::new(name).with_unserialize());
        }
        for name in ["ArrayObject", "ArrayIterator", "SplObjectStorage"] {
            t = t.with(PhpClass::new(name).with_unserialize().implementing_serializable());
        }
        t
    }

    /// Adds (or replaces) a class.
    #[must_use]
    pub fn with(mut self, class: PhpClass) -> Self {
        let lower = class.name.to_ascii_lowercase();
        match self.by_lower_name.get(&lower) {
            Some(&i) => {
                if let Some(slot) = self.classes.get_mut(i) {
                    *slot = class;
                }
            }
            None => {
                self.by_lower_name.insert(lower, self.classes.len());
                self.classes.push(class);
            }
        }
        self
    }

    /// The class named `name`, compared case-insensitively as PHP does.
    pub fn lookup(&self, name: &[u8]) -> Option<&PhpClass> {
        let i = *self.by_lower_name.get(&name.to_ascii_lowercase())?;
        self.classes.get(i)
    }
}

impl PhpClass {
    /// A plain class: properties restored directly (like `stdClass`).
    pub fn new(name: impl Into<Vec<u8>>) -> Self {
        PhpClass {
            name: name.into(),
            serializable: false,
            magic_unserialize: false,
            enum_cases: None,
        }
    }

    /// An enum with these cases.
    pub fn enumeration<C: Into<Vec<u8>>>(
        name: impl Into<Vec<u8>>,
        cases: impl IntoIterator<Item = C>,
    ) -> Self {
        PhpClass {
            enum_cases: Some(cases.into_iter().map(Into::into).collect()),
            ..PhpClass::new(name)
        }
    }

    /// The class implements `Serializable` (its data comes as `C:`).
    #[must_use]
    pub fn implementing_serializable(mut self) -> Self {
        self.serializable = true;
        self
    }

    /// The class has `__unserialize()`: its `O:` body is an array (integer keys stay).
    #[must_use]
    pub fn with_unserialize(mut self) -> Self {
        self.magic_unserialize = true;
        self
    }

    /// The declared name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }
}
