//! Dependency graphs and their cycles (Tarjan's strongly connected components,
//! iterative so that no input can overflow the stack).

use std::collections::BTreeMap;

/// Every cycle in `graph`, each as its members in dependency order starting from its
/// smallest node, the cycles themselves ordered by that node. A node that depends on
/// itself is a cycle of one.
pub fn cycles<N: Ord + Clone>(graph: &BTreeMap<N, Vec<N>>) -> Vec<Vec<N>> {
    let nodes: Vec<N> = graph.keys().cloned().collect();
    let index_of: BTreeMap<&N, usize> = nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            graph
                .get(n)
                .map(|ms| ms.iter().filter_map(|m| index_of.get(m).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let mut sccs = tarjan(&edges);
    let mut out = Vec::new();
    for scc in sccs.iter_mut() {
        let is_cycle = scc.len() > 1 || edges[scc[0]].contains(&scc[0]);
        if !is_cycle {
            continue;
        }
        // Walk the cycle from its smallest member along edges inside the component.
        let start = *scc.iter().min().unwrap_or(&scc[0]);
        let mut path = vec![start];
        let mut cur = start;
        while path.len() < scc.len() {
            let next = edges[cur]
                .iter()
                .copied()
                .filter(|m| scc.contains(m) && !path.contains(m))
                .min();
            match next {
                Some(m) => {
                    path.push(m);
                    cur = m;
                }
                None => break,
            }
        }
        out.push(
            path.into_iter()
                .map(|i| nodes[i].clone())
                .collect::<Vec<N>>(),
        );
    }
    out.sort();
    out
}

fn tarjan(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*child) {
                *child += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
        }
    }
    out
}

/// A topological order of `graph` (dependencies first), ignoring edges inside cycles.
pub fn order<N: Ord + Clone>(graph: &BTreeMap<N, Vec<N>>) -> Vec<N> {
    let mut visited: BTreeMap<&N, ()> = BTreeMap::new();
    let mut out = Vec::new();
    for root in graph.keys() {
        if visited.contains_key(root) {
            continue;
        }
        let mut work: Vec<(&N, usize)> = vec![(root, 0)];
        visited.insert(root, ());
        while let Some((v, child)) = work.last_mut() {
            let v: &N = v;
            let deps = graph.get(v).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(w) = deps.get(*child) {
                *child += 1;
                if let Some((w, _)) = graph.get_key_value(w)
                    && !visited.contains_key(w)
                {
                    visited.insert(w, ());
                    work.push((w, 0));
                }
                continue;
            }
            work.pop();
            out.push(v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_cycle_once() {
        let g: BTreeMap<u32, Vec<u32>> = [
            (1, vec![2]),
            (2, vec![3]),
            (3, vec![1]),
            (4, vec![4]),
            (5, vec![1]),
        ]
        .into_iter()
        .collect();
        assert_eq!(cycles(&g), vec![vec![1, 2, 3], vec![4]]);
        let o = order(&g);
        assert_eq!(o.len(), 5);
        assert!(o.iter().position(|&n| n == 5) > o.iter().position(|&n| n == 1));
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let g: BTreeMap<u32, Vec<u32>> = (0..200_000).map(|i| (i, vec![i + 1])).collect();
        assert!(cycles(&g).is_empty());
        assert_eq!(order(&g).len(), 200_000);
    }
}
