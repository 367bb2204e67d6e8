//! Where the cores sit, as sysfs tells (`/sys/devices/system/cpu/cpuN`):
//! physical core, package, SMT siblings and the caches each core shares.
//!
//! A queue's figures depend on whether its two threads share a physical
//! core (SMT siblings share L1 and L2), a last-level cache, or nothing.
//! The results record what the guest was told. Under a hypervisor that
//! is not always the truth (it can move two vCPUs between siblings and
//! separate cores without telling the guest), which is why the floor is
//! also measured in every round.

use std::path::Path;

pub use schema::{Cache, CpuTopology};

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_owned())
}

/// What sysfs says of `cpus` under `root` (normally
/// `/sys/devices/system/cpu`); cores it says nothing of are left out.
pub fn read_topology(root: &Path, cpus: &[usize]) -> Vec<CpuTopology> {
    cpus.iter()
        .filter_map(|&cpu| {
            let dir = root.join(format!("cpu{cpu}"));
            let topology = dir.join("topology");
            let number = |name: &str| read(&topology.join(name)).and_then(|t| t.parse().ok());
            let mut caches = Vec::new();
            for index in 0.. {
                let cache = dir.join("cache").join(format!("index{index}"));
                let Some(level) = read(&cache.join("level")).and_then(|t| t.parse().ok()) else {
                    break;
                };
                caches.push(Cache {
                    level,
                    kind: read(&cache.join("type")).unwrap_or_default(),
                    size: read(&cache.join("size")).unwrap_or_default(),
                    shared_with: read(&cache.join("shared_cpu_list")).unwrap_or_default(),
                });
            }
            let entry = CpuTopology {
                cpu,
                core_id: number("core_id"),
                package: number("physical_package_id"),
                smt_siblings: read(&topology.join("thread_siblings_list")),
                caches,
            };
            (entry.core_id.is_some() || !entry.caches.is_empty()).then_some(entry)
        })
        .collect()
}

/// Parses a sysfs core list (`0-3,8,10-11`); `None` if malformed.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((low, high)) => {
                let (low, high): (usize, usize) = (low.parse().ok()?, high.parse().ok()?);
                if low > high {
                    return None;
                }
                cpus.extend(low..=high);
            }
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

/// How cores `a` and `b` relate, in words, from `topology`: SMT siblings
/// of one physical core, or separate cores, and which caches they share.
pub fn describe_pair(topology: &[CpuTopology], a: usize, b: usize) -> String {
    let (Some(first), Some(second)) = (
        topology.iter().find(|t| t.cpu == a),
        topology.iter().find(|t| t.cpu == b),
    ) else {
        return format!("cores {a}, {b}: sysfs describes no topology");
    };
    let contains = |list: &Option<String>| {
        list.as_deref()
            .and_then(parse_cpu_list)
            .is_some_and(|cpus| cpus.contains(&b))
    };
    let relation = if contains(&first.smt_siblings) {
        "SMT siblings of one physical core".to_owned()
    } else if first.package.is_some() && first.package != second.package {
        "separate packages".to_owned()
    } else {
        "separate physical cores".to_owned()
    };
    let shared: Vec<String> = first
        .caches
        .iter()
        .filter(|cache| contains(&Some(cache.shared_with.clone())))
        .map(|cache| {
            let kind = match cache.kind.as_str() {
                "Data" => "d",
                "Instruction" => "i",
                _ => "",
            };
            format!("L{}{kind} {}", cache.level, cache.size)
        })
        .collect();
    format!(
        "cores {a}, {b}: {relation}, {}",
        if shared.is_empty() {
            "sharing no cache".to_owned()
        } else {
            format!("sharing {}", shared.join(", "))
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("{text}\n")).unwrap();
    }

    #[test]
    fn core_lists_parse() {
        assert_eq!(parse_cpu_list("0-3,8"), Some(vec![0, 1, 2, 3, 8]));
        assert_eq!(parse_cpu_list("5"), Some(vec![5]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn siblings_and_shared_caches_are_described() {
        let root = std::env::temp_dir().join(format!("ringlab-topology-{}", std::process::id()));
        for cpu in 0..3 {
            let dir = format!("cpu{cpu}");
            write(
                &root,
                &format!("{dir}/topology/core_id"),
                &(cpu / 2).to_string(),
            );
            write(&root, &format!("{dir}/topology/physical_package_id"), "0");
            let siblings = if cpu < 2 { "0-1" } else { "2" };
            write(
                &root,
                &format!("{dir}/topology/thread_siblings_list"),
                siblings,
            );
            write(&root, &format!("{dir}/cache/index0/level"), "1");
            write(&root, &format!("{dir}/cache/index0/type"), "Data");
            write(&root, &format!("{dir}/cache/index0/size"), "32K");
            write(
                &root,
                &format!("{dir}/cache/index0/shared_cpu_list"),
                siblings,
            );
            write(&root, &format!("{dir}/cache/index1/level"), "3");
            write(&root, &format!("{dir}/cache/index1/type"), "Unified");
            write(&root, &format!("{dir}/cache/index1/size"), "8192K");
            write(&root, &format!("{dir}/cache/index1/shared_cpu_list"), "0-2");
        }
        let topology = read_topology(&root, &[0, 1, 2, 7]);
        assert_eq!(topology.len(), 3, "cpu7 has no sysfs entry");
        assert_eq!(
            describe_pair(&topology, 0, 1),
            "cores 0, 1: SMT siblings of one physical core, sharing L1d 32K, L3 8192K"
        );
        assert_eq!(
            describe_pair(&topology, 0, 2),
            "cores 0, 2: separate physical cores, sharing L3 8192K"
        );
        assert!(describe_pair(&topology, 0, 7).contains("no topology"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
