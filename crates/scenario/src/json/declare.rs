//! The macros that declare the format. Each section, named enum and tagged
//! union is declared once (in `model.rs`), with its doc comments; the Rust
//! type, its defaults, its field names, its decoder and its encoder all
//! follow from that one declaration, through the traits of `field.rs`.

/// Declares a section: a struct whose fields are each optional, with a
/// default (`name: Type = default`), or required, with the hint shown when
/// it is missing (`name: Type => "hint"`; a bare `name: Type` gets "{the
/// section} needs {its required fields}").
///
/// Generates the struct, `with_required` (the required fields as arguments
/// in declared order, every other field at its default), `Default` when no
/// field is required, and [`Section`](super::field::Section). Two optional
/// clauses may follow the struct:
///
/// - `value: expected "...", named "...";` makes the section a value that
///   stands alone as an object (see `decode_object`): "expected {expected},
///   found ..." when it is not one, "{named} has no such field" for a field
///   it does not declare.
/// - `context |section| expr;` says what decoding the optional fields knows
///   once the required ones are read.
macro_rules! section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($body:tt)* }
        $(value: expected $expected:literal, named $named:literal;)?
        $(context |$section:ident| $context:expr;)?
    ) => {
        $crate::json::declare::section!(@munch
            [$(#[$meta])* $name] [$($expected $named)?] [$(|$section| $context)?] [] [] []
            $($body)*
        );
    };

    // The fields are sorted one at a time into three lists (all, required,
    // optional), since the constructor takes only the required ones.
    (@munch $head:tt $value:tt $context:tt [$($all:tt)*] [$($required:tt)*] [$($optional:tt)*]
        $(#[$m:meta])* $f:ident : $t:ty = $default:expr $(, $($rest:tt)*)?
    ) => {
        $crate::json::declare::section!(@munch $head $value $context
            [$($all)* [$(#[$m])*] $f: $t;] [$($required)*] [$($optional)* $f: $t = $default;]
            $($($rest)*)?
        );
    };
    (@munch $head:tt $value:tt $context:tt [$($all:tt)*] [$($required:tt)*] [$($optional:tt)*]
        $(#[$m:meta])* $f:ident : $t:ty => $hint:expr $(, $($rest:tt)*)?
    ) => {
        $crate::json::declare::section!(@munch $head $value $context
            [$($all)* [$(#[$m])*] $f: $t;] [$($required)* $f: $t [$hint];] [$($optional)*]
            $($($rest)*)?
        );
    };
    (@munch $head:tt $value:tt $context:tt [$($all:tt)*] [$($required:tt)*] [$($optional:tt)*]
        $(#[$m:meta])* $f:ident : $t:ty $(, $($rest:tt)*)?
    ) => {
        $crate::json::declare::section!(@munch $head $value $context
            [$($all)* [$(#[$m])*] $f: $t;] [$($required)* $f: $t [];] [$($optional)*]
            $($($rest)*)?
        );
    };

    (@munch
        [$(#[$meta:meta])* $name:ident] [$($expected:literal $named:literal)?] [$(|$section:ident| $context:expr)?]
        [$([$(#[$m:meta])*] $f:ident : $t:ty;)*]
        [$($rf:ident : $rt:ty [$($hint:expr)?];)*]
        [$($of:ident : $ot:ty = $default:expr;)*]
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$m])* pub $f: $t,)*
        }

        impl $name {
            /// Every required field as given, every other at its default.
            fn with_required($($rf: $rt),*) -> $name {
                $name { $($rf,)* $($of: $default,)* }
            }
        }

        $crate::json::declare::section!(@default $name [$($rf)*]);

        impl $crate::json::field::Section for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($f)),*];
            const FLATTENS: bool = false $(|| <$t as $crate::json::field::Field>::FLATTENED)*;

            // A section without optional fields leaves the loop's variables unused.
            #[allow(unused_mut, unused_variables)]
            fn decode_fields(
                fields: &$crate::json::field::Fields,
                path: &$crate::json::value::Path,
                context: &str,
                cx: $crate::json::field::Context,
            ) -> $crate::json::field::Result<Self> {
                // Unused when every required field has a hint of its own.
                #[allow(dead_code)]
                const REQUIRED: &[&str] = &[$(stringify!($rf)),*];
                let mut section = $name::with_required($(
                    <$rt as $crate::json::field::Field>::decode_field(
                        fields,
                        path,
                        stringify!($rf),
                        &|| $crate::json::declare::hint!(context, REQUIRED $(, $hint)?),
                        Self::FIELDS,
                        cx,
                    )?
                ),*);
                let cx = $crate::json::declare::section!(@context section cx $(|$section| $context)?);
                for (key, value) in fields {
                    let path = path.field(key);
                    match key.as_str() {
                        $(stringify!($of) => {
                            section.$of = <$ot as $crate::json::field::FieldValue>::decode(value, &path, cx)?
                        })*
                        _ => {}
                    }
                }
                Ok(section)
            }

            fn encode_fields(&self, out: &mut $crate::json::field::Written) {
                $(<$t as $crate::json::field::Field>::encode_field(&self.$f, stringify!($f), out);)*
            }
        }

        $(
            impl $crate::json::field::FieldValue for $name {
                fn decode(
                    value: &$crate::json::value::Value,
                    path: &$crate::json::value::Path,
                    cx: $crate::json::field::Context,
                ) -> $crate::json::field::Result<Self> {
                    $crate::json::field::decode_object(value, path, $expected, $named, cx)
                }

                fn encode(&self) -> $crate::json::value::Value {
                    $crate::json::field::encode_object(self)
                }
            }
        )?
    };

    (@default $name:ident []) => {
        impl Default for $name {
            fn default() -> Self {
                Self::with_required()
            }
        }
    };
    (@default $name:ident [$($required:ident)+]) => {};

    (@context $built:ident $cx:ident) => { $cx };
    (@context $built:ident $cx:ident |$section:ident| $context:expr) => {{
        let $section = &$built;
        $context
    }};
}

/// Declares an enum of named settings (`Variant = "name"`), and what a
/// setting of its kind is called when a name is unknown (`as "variant"`).
/// Generates the enum, `ALL`, `NAMES`, `name`, `by_name`, and its
/// [`FieldValue`](super::field::FieldValue): a name in quotes.
macro_rules! names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// Every variant, in declared order.
            pub const ALL: [$name; [$($text),*].len()] = [$($name::$variant),*];
            /// The variants' names, in the order of `ALL`.
            pub const NAMES: [&'static str; [$($text),*].len()] = [$($text),*];

            /// The name used in JSON and in the UI.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            pub fn by_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl $crate::json::field::FieldValue for $name {
            fn decode(
                value: &$crate::json::value::Value,
                path: &$crate::json::value::Path,
                _: $crate::json::field::Context,
            ) -> $crate::json::field::Result<Self> {
                $crate::json::field::decode_name(value, path, $what, &Self::NAMES, Self::by_name)
            }

            fn encode(&self) -> $crate::json::value::Value {
                $crate::json::value::Value::String(self.name().to_owned())
            }
        }
    };
}

/// Declares a tagged union: an enum whose variants are each named
/// (`Variant = "name"`) and either have no fields, or fields of their own
/// (`{ field: Type }`, each required, with the hint "{the variant} needs
/// {its fields}" unless `=> "hint"` gives one), or flatten a section
/// (`(Section)`). `by "tag"` names the field that names the variant, where
/// the union is not itself a flattened field (whose name is the tag).
///
/// Generates the enum, `TAG`, `NAMES`, `name` and
/// [`Tagged`](super::field::Tagged); the tag's own rules (its messages,
/// which fields messages list) are the union's, in `codec.rs`.
macro_rules! tagged {
    (@fields [$($f:ident)*] []) => { &[$(stringify!($f)),*] };
    (@fields [] [$section:ty]) => { <$section as $crate::json::field::Section>::FIELDS };
    // Binds a flattened section in a pattern (a repetition needs a
    // metavariable to repeat over, and a literal name has none).
    (@bind $binding:ident $section:ty) => { $binding };

    (
        $(#[$meta:meta])*
        pub enum $name:ident $(by $tag:literal)? {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $kind:literal
                $({ $($f:ident : $t:ty $(=> $hint:expr)?),* $(,)? })?
                $(($section:ty))?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant $({ $($f: $t),* })? $(($section))?),*
        }

        impl $name {
            $(
                /// The field whose value names the variant.
                pub(crate) const TAG: &'static str = $tag;
            )?
            /// Every variant's name, in declared order.
            pub const NAMES: [&'static str; [$($kind),*].len()] = [$($kind),*];

            /// The name used in JSON and in the UI.
            pub fn name(&self) -> &'static str {
                match self {
                    $($name::$variant { .. } => $kind,)*
                }
            }
        }

        impl $crate::json::field::Tagged for $name {
            const KINDS: &'static [&'static str] = &$name::NAMES;

            fn kind(&self) -> &'static str {
                self.name()
            }

            fn fields_of(kind: &str) -> &'static [&'static str] {
                match kind {
                    $($kind => $crate::json::declare::tagged!(@fields [$($($f)*)?] [$($section)?]),)*
                    _ => &[],
                }
            }

            fn known_of(kind: &str, out: &mut Vec<&'static str>) {
                match kind {
                    $($kind => {
                        $($(<$t as $crate::json::field::Field>::known_names(stringify!($f), out);)*)?
                        $(out.extend_from_slice(<$section as $crate::json::field::Section>::FIELDS);)?
                    })*
                    _ => {}
                }
            }

            fn decode_variant(
                kind: &str,
                fields: &$crate::json::field::Fields,
                path: &$crate::json::value::Path,
                context: &str,
                cx: $crate::json::field::Context,
            ) -> $crate::json::field::Result<Self> {
                Ok(match kind {
                    $($kind => $name::$variant
                        $({ $($f: <$t as $crate::json::field::Field>::decode_field(
                            fields,
                            path,
                            stringify!($f),
                            &|| $crate::json::declare::hint!(context, Self::fields_of($kind) $(, $hint)?),
                            Self::fields_of($kind),
                            cx,
                        )?,)* })?
                        $((<$section as $crate::json::field::Section>::decode_fields(fields, path, context, cx)?))?,
                    )*
                    _ => unreachable!("callers pass one of KINDS"),
                })
            }

            fn encode_variant(&self, out: &mut $crate::json::field::Written) {
                match self {
                    $($name::$variant $({ $($f),* })? $(($crate::json::declare::tagged!(@bind section $section)))? => {
                        $($(<$t as $crate::json::field::Field>::encode_field($f, stringify!($f), out);)*)?
                        $(<$section as $crate::json::field::Section>::encode_fields(section, out);)?
                    })*
                }
            }
        }
    };
}

/// The hint for a missing required field: its own, or what `context` needs.
macro_rules! hint {
    ($context:ident, $needed:expr) => {
        $crate::json::field::needs($context, $needed)
    };
    ($context:ident, $needed:expr, $hint:expr) => {
        String::from($hint)
    };
}

pub(crate) use {hint, names, section, tagged};
