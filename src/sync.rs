//! Locks over plain data: when a holder panicked, the data it left is
//! still served (a poisoned lock would otherwise fail every later request
//! of every learner). The one place that rule is written.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// [`Mutex::lock`], through poisoning.
pub trait Locked<T: ?Sized> {
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T: ?Sized> Locked<T> for Mutex<T> {
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// [`RwLock::read`] and [`RwLock::write`], through poisoning.
pub trait LockedRw<T: ?Sized> {
    fn read_locked(&self) -> RwLockReadGuard<'_, T>;
    fn write_locked(&self) -> RwLockWriteGuard<'_, T>;
}

impl<T: ?Sized> LockedRw<T> for RwLock<T> {
    fn read_locked(&self) -> RwLockReadGuard<'_, T> {
        self.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_locked(&self) -> RwLockWriteGuard<'_, T> {
        self.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_whose_holder_panicked_still_gives_its_data() {
        let shared = std::sync::Arc::new(Mutex::new(41));
        let held = shared.clone();
        let _ = std::thread::spawn(move || {
            let mut n = held.lock().unwrap();
            *n += 1;
            panic!("while holding the lock");
        })
        .join();
        assert!(shared.is_poisoned());
        assert_eq!(*shared.locked(), 42);

        let table = std::sync::Arc::new(RwLock::new(vec![1]));
        let held = table.clone();
        let _ = std::thread::spawn(move || {
            let _w = held.write().unwrap();
            panic!("while writing");
        })
        .join();
        table.write_locked().push(2);
        assert_eq!(*table.read_locked(), vec![1, 2]);
    }
}
