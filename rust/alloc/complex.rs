//! A minimal complex number: phasor rows of delta (line-to-line) sites.

use std::ops::{Add, AddAssign, Mul, Sub, SubAssign};

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const ZERO: Self = Self { re: 0.0, im: 0.0 };

    pub const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    pub const fn real(re: f64) -> Self {
        Self { re, im: 0.0 }
    }

    /// Unit phasor at `degrees`.
    pub fn polar_deg(degrees: f64) -> Self {
        let (sin, cos) = degrees.to_radians().sin_cos();
        Self { re: cos, im: sin }
    }

    #[must_use]
    pub fn scale(self, k: f64) -> Self {
        Self::new(self.re * k, self.im * k)
    }

    pub fn norm_sqr(self) -> f64 {
        self.re.mul_add(self.re, self.im * self.im)
    }

    pub fn abs(self) -> f64 {
        // a real value (every wye coefficient) skips the libm call: hypot(x, 0) = |x|
        if self.im == 0.0 {
            self.re.abs()
        } else {
            self.re.hypot(self.im)
        }
    }

    /// Re(self · conj(other)).
    pub fn dot(self, other: Self) -> f64 {
        self.re.mul_add(other.re, self.im * other.im)
    }

    pub fn is_zero(self) -> bool {
        self.re == 0.0 && self.im == 0.0
    }
}

impl Add for C64 {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for C64 {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C64 {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re.mul_add(o.re, -self.im * o.im),
            self.re.mul_add(o.im, self.im * o.re),
        )
    }
}

impl AddAssign for C64 {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl SubAssign for C64 {
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}
