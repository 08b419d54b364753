//! What each connector asks for this tick, and the bounds and weight derived from it.

/// IEC 61851 / SAE J1772: no PWM current limit exists below 6 A (except 0 = paused).
pub const IEC_MIN_A: f64 = 6.0;

/// The live state of one connector, as the control loop knows it this tick.
#[derive(Clone, Copy, Debug)]
pub struct Demand {
    /// Topology node the connector hangs from (its charger, or any node).
    pub node: usize,
    /// Wye: bitmask of the site phases the EV loads (rotation applied). Delta: two bits for a
    /// line-to-line load, three for a balanced three-phase load.
    pub phases: u8,
    /// A session is running and the EV may take current.
    pub active: bool,
    /// Lowest current the EVSE/EV accept when charging (clamped up to 6 A).
    pub min_a: f64,
    /// Highest current per phase: min(EVSE, EV, cable, external limits).
    pub max_a: f64,
    /// Highest measured current per phase over the recent window; NaN when unknown or stale.
    pub measured_a: f64,
    /// What this connector was given last tick (0 = paused).
    pub last_limit_a: f64,
    /// Seconds since it entered its current state (charging or paused).
    pub state_age_s: f64,
    /// Admission class: 0 first.
    pub priority: u8,
    /// Relative share (> 0) from policy.
    pub weight: f64,
    /// Current per phase still needed to meet the departure target; NaN when unknown.
    pub need_a: f64,
    /// A load the allocator cannot control (profile rejected or not honoured); NaN if none.
    pub fixed_a: f64,
    /// Quantum the charger accepts (1 A, 0.1 A, ...).
    pub step_a: f64,
}

impl Demand {
    /// An idle connector under `node` loading `phases`.
    pub fn idle(node: usize, phases: u8) -> Self {
        Self {
            node,
            phases,
            active: false,
            min_a: IEC_MIN_A,
            max_a: 32.0,
            measured_a: f64::NAN,
            last_limit_a: 0.0,
            state_age_s: 0.0,
            priority: 0,
            weight: 1.0,
            need_a: f64::NAN,
            fixed_a: f64::NAN,
            step_a: 1.0,
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed_a.is_finite()
    }

    pub fn is_charging(&self) -> bool {
        self.last_limit_a >= IEC_MIN_A
    }

    /// Charging for at least `yield_after_s` but drawing so little (measured + headroom
    /// below its minimum) that its place serves a waiting EV better.
    pub fn is_idling(&self, s: &Settings) -> bool {
        self.is_charging()
            && self.state_age_s >= s.yield_after_s
            && self.measured_a.is_finite()
            && self.measured_a + s.headroom_a < self.min_a.max(IEC_MIN_A)
    }
}

/// Tuning of one tick.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// A charging EV may be paused for a waiting one after this long (slow rotation), and a
    /// paused EV waits at least this long before it preempts anyone.
    pub rotate_after_s: f64,
    /// An EV drawing less than its limit gets `measured + headroom_a` (reallocates the rest).
    pub headroom_a: f64,
    /// It counts as under-drawing when measured < last limit − this.
    pub under_draw_a: f64,
    /// A charging EV that has drawn less than its minimum − `headroom_a` for this long (it
    /// tapers near full, or is full) yields its place to waiting EVs.
    pub yield_after_s: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rotate_after_s: 900.0,
            headroom_a: 2.0,
            under_draw_a: 1.0,
            yield_after_s: 120.0,
        }
    }
}

/// Lower bound, upper bound and fill weight of a connector that may charge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub lb: f64,
    pub ub: f64,
    pub weight: f64,
    /// Where an urgent connector starts filling when admitted first: its need (the current
    /// that meets its departure target) within [lb, ub]; `lb` when the need is unknown or
    /// below it.
    pub floor: f64,
}

/// None when the connector cannot charge this tick (idle, fixed, or max below min).
pub fn bounds(d: &Demand, s: &Settings) -> Option<Bounds> {
    if !d.active || d.is_fixed() || !(d.max_a.is_finite() && d.min_a.is_finite()) {
        return None;
    }
    let lb = d.min_a.max(IEC_MIN_A);
    let mut ub = d.max_a;
    if ub < lb {
        return None;
    }
    if d.measured_a.is_finite() && d.is_charging() && d.measured_a < d.last_limit_a - s.under_draw_a
    {
        ub = ub.min(d.measured_a + s.headroom_a).max(lb);
    }
    let need = if d.need_a.is_finite() { d.need_a } else { ub };
    let weight = if d.weight.is_finite() && d.weight > 0.0 {
        d.weight
    } else {
        1.0
    };
    let floor = if d.need_a.is_finite() && d.need_a > lb {
        d.need_a.min(ub)
    } else {
        lb
    };
    Some(Bounds {
        lb,
        ub,
        weight: weight * need.clamp(1.0, ub),
        floor,
    })
}
