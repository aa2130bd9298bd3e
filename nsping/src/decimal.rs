//! Decimal numbers without the float parser and printer (about 30 KB of
//! the static binary): option values as fixed-point integers, and
//! `printf("%g")` of the loss percentage done exactly on the float's value.

/// Option values as fixed-point integers (shared with linkup's `--wait`).
pub use nscore::cli::parse_fixed;

/// `printf("%g", v)` for a float from 0 to 100 (a loss percentage): six
/// significant digits, rounded half to even on the float's exact value,
/// trailing zeros dropped, the exponent form below 1e-4. Values below
/// 2^-66 (no loss of a u64 count comes near) print as 0.
pub fn percent_g(v: f32) -> String {
    // NaN is in no range.
    if !(0.0..=100.0).contains(&v) {
        return if v > 100.0 { "100".into() } else { "0".into() };
    }
    // v = m * 2^e exactly.
    let bits = v.to_bits();
    let exp_bits = ((bits >> 23) & 0xff) as i32;
    if exp_bits < 127 - 66 {
        return "0".into();
    }
    let (m, e) = (u128::from((bits & 0x7f_ffff) | 0x80_0000), exp_bits - 150);
    // v * 10^k as a fraction num/den; with -89 <= e <= -17 and k <= 25
    // both stay below 2^110.
    let scaled = |k: i32| -> (u128, u128) {
        let (mut num, mut den) = (m, 1u128);
        if k >= 0 {
            num *= 10u128.pow(k as u32);
        } else {
            den *= 10u128.pow((-k) as u32);
        }
        if e >= 0 {
            num <<= e;
        } else {
            den <<= -e;
        }
        (num, den)
    };
    // The decimal exponent: the largest x with 10^x <= v.
    let mut x = 2;
    while x > -20 {
        let (num, den) = scaled(-x);
        if num >= den {
            break;
        }
        x -= 1;
    }
    let (num, den) = scaled(5 - x);
    let mut digits = num / den;
    let rem = num % den;
    if 2 * rem > den || (2 * rem == den && digits % 2 == 1) {
        digits += 1;
    }
    if digits == 1_000_000 {
        digits = 100_000;
        x += 1;
    }
    // The six digits with the decimal point among them (or after zeros),
    // then trailing zeros and a bare point dropped, as %g does.
    let digit = |i: u32| b'0' + (digits / 10u128.pow(i) % 10) as u8;
    let mut text = Vec::with_capacity(16);
    if (-4..0).contains(&x) {
        text.extend_from_slice(b"0.");
        text.extend(std::iter::repeat_n(b'0', (-x - 1) as usize));
        text.extend((0..6).rev().map(digit));
    } else {
        let point = x.max(0) as usize + 1;
        for (n, i) in (0..6).rev().enumerate() {
            if n == point {
                text.push(b'.');
            }
            text.push(digit(i));
        }
    }
    while text.last() == Some(&b'0') {
        text.pop();
    }
    if text.last() == Some(&b'.') {
        text.pop();
    }
    if x < -4 {
        text.extend_from_slice(b"e-");
        text.extend([b'0' + (-x / 10) as u8, b'0' + (-x % 10) as u8]);
    }
    String::from_utf8(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_g_matches_printf() {
        // Values and what glibc's printf("%g") makes of them.
        for (v, want) in [
            (0.0f32, "0"),
            (100.0, "100"),
            (50.0, "50"),
            (100.0 / 3.0, "33.3333"),
            (200.0 / 3.0, "66.6667"),
            (12.5, "12.5"),
            (0.001, "0.001"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000012345678, "1.23457e-05"),
            (99.99999, "100"),
            (1.0 / 7.0 * 100.0, "14.2857"),
            (100.0 / 65536.0, "0.00152588"),
            (0.5, "0.5"),
            (f32::NAN, "0"),
            (1e-30, "0"),
        ] {
            assert_eq!(percent_g(v), want, "{v}");
        }
    }
}
