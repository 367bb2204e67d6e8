//! The registry: every implementation the harness can run, as a list of
//! types.
//!
//! A [`Roster`] is a list of [`Queue`] types written as a type: [`With`]
//! puts one implementation in front of a rest, [`Nil`] ends the list. The
//! harness finds an implementation by name with [`Roster::visit`], which
//! hands a [`Visitor`] the concrete type, so every measured loop is
//! monomorphised and no `dyn` sits in a hot path.
//!
//! The built-in roster is [`crate::Builtin`], generated from the one
//! registry line per file in the crate root. A crate of its own puts its
//! queues in front of it: `With<MyQueue>` is `MyQueue` and then every
//! built-in implementation, `With<A, With<B>>` two queues and then the
//! built-ins.
//!
//! ```
//! use impls::registry::{Roster, With, catalogue};
//! use impls::{Builtin, SpscRing};
//!
//! // The built-in roster, described.
//! let built_in = catalogue::<Builtin>().unwrap();
//! assert!(built_in.iter().any(|info| info.name == "spsc_ring"));
//!
//! // An implementation already in the roster is refused by name.
//! let error = catalogue::<With<SpscRing>>().unwrap_err();
//! assert!(error.to_string().contains("`spsc_ring`"));
//! ```

use core::marker::PhantomData;

use crate::queue::{Info, Queue};

/// Something to do with an implementation chosen by name.
pub trait Visitor {
    /// What the visit returns.
    type Output;
    /// Called with the implementation's type.
    fn visit<Q: Queue>(self) -> Self::Output;
}

/// A list of implementations, as a type (see the module documentation).
pub trait Roster: 'static {
    /// Appends every implementation's [`Info`] to `into`, in list order.
    fn describe(into: &mut Vec<Info>);

    /// Calls `visitor` with the implementation named `name`; hands the
    /// visitor back when the list has none of that name.
    fn visit<V: Visitor>(name: &str, visitor: V) -> Result<V::Output, V>;
}

/// The end of a roster: no implementation.
pub struct Nil;

impl Roster for Nil {
    fn describe(_: &mut Vec<Info>) {}

    fn visit<V: Visitor>(_: &str, visitor: V) -> Result<V::Output, V> {
        Err(visitor)
    }
}

/// Implementation `Q`, then the roster `Rest` (by default every built-in
/// implementation).
pub struct With<Q, Rest = crate::Builtin>(PhantomData<fn() -> (Q, Rest)>);

impl<Q: Queue, Rest: Roster> Roster for With<Q, Rest> {
    fn describe(into: &mut Vec<Info>) {
        into.push(Q::info());
        Rest::describe(into);
    }

    fn visit<V: Visitor>(name: &str, visitor: V) -> Result<V::Output, V> {
        if Q::info().name == name {
            Ok(visitor.visit::<Q>())
        } else {
            Rest::visit(name, visitor)
        }
    }
}

/// A roster that names one implementation twice: the second could never
/// be reached by name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "two implementations are named `{name}`: names must be unique across the roster (your queue's \
     `Info::name` must differ from every built-in name; `harness list` shows them)"
)]
pub struct DuplicateName {
    /// The name given twice.
    pub name: &'static str,
}

/// Every implementation of roster `R`, described, in list order; an error
/// when two share a name.
pub fn catalogue<R: Roster>() -> Result<Vec<Info>, DuplicateName> {
    let mut infos = Vec::new();
    R::describe(&mut infos);
    for (index, info) in infos.iter().enumerate() {
        if infos[..index]
            .iter()
            .any(|earlier| earlier.name == info.name)
        {
            return Err(DuplicateName { name: info.name });
        }
    }
    Ok(infos)
}

/// Builds the roster type of a list of implementation types, in order.
macro_rules! roster {
    () => { $crate::registry::Nil };
    ($head:ty $(, $tail:ty)* $(,)?) => {
        $crate::registry::With<$head, $crate::registry::roster!($($tail),*)>
    };
}
pub(crate) use roster;
