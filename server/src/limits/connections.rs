//! Live connections per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts live connections by address.
pub struct Addresses {
    open: Mutex<HashMap<IpAddr, usize>>,
    max: usize,
}

/// One live connection from an address; frees its place when dropped.
pub struct AddressSlot {
    addresses: Arc<Addresses>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.addresses.lock();
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

impl Addresses {
    /// At most `max` live connections per address.
    pub fn new(max: usize) -> Self {
        Self {
            open: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// A place for one more connection from `ip`, if there is room.
    pub fn open(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        let mut open = self.lock();
        let n = open.entry(ip).or_default();
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            addresses: self.clone(),
            ip,
        })
    }

    // Every update is one counter change, so a poisoned lock is safe to keep using.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_frees_on_drop() {
        let addresses = Arc::new(Addresses::new(2));
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let first = addresses.open(a).unwrap();
        let _second = addresses.open(a).unwrap();
        assert!(addresses.open(a).is_none());
        assert!(addresses.open(b).is_some());
        drop(first);
        assert!(addresses.open(a).is_some());
    }
}
