# Reference values for tests/test_its.py: the models of Lopez Bernal, Cummins & Gasparrini (2017)
# fitted with base R's glm() exactly as in the authors' Rcode.R (github.com/gasparrini/
# 2017_lopezbernal_IJE_codedata), without the packages tsModel/Epi (not available here):
#   harmonic(month, 2, 12) = sin/cos(2 pi k month / 12), k = 1, 2  (tsModel::harmonic)
#   ci.lin(model, Exp = TRUE) = exp(coef +- qnorm(0.975) * se)      (Epi::ci.lin)
# Run from this folder:  Rscript make_reference.R  > sicily_reference.json
data <- read.csv("sicily.csv")
h <- function(x, k, period = 12) cbind(sin(2 * pi * k * x / period), cos(2 * pi * k * x / period))
H <- cbind(h(data$month, 1), h(data$month, 2))
colnames(H) <- c("sin1", "cos1", "sin2", "cos2")
data <- cbind(data, H)
models <- list(
  model1_poisson = glm(aces ~ offset(log(stdpop)) + smokban + time, family = poisson, data),
  model2_quasipoisson = glm(aces ~ offset(log(stdpop)) + smokban + time,
                            family = quasipoisson, data),
  model3_quasipoisson_harmonic = glm(aces ~ offset(log(stdpop)) + smokban + time +
                                       sin1 + cos1 + sin2 + cos2, family = quasipoisson, data),
  model4_slope_change = glm(aces ~ offset(log(stdpop)) + smokban + time + I(time - 36):smokban +
                              sin1 + cos1 + sin2 + cos2, family = quasipoisson, data)
)
ols <- lm(I(aces / stdpop * 1e5) ~ smokban + time + sin1 + cos1 + sin2 + cos2, data)
row <- function(m, term) {
  s <- summary(m)$coefficients
  b <- s[term, 1]; se <- s[term, 2]; z <- qnorm(0.975)
  sprintf('{"coef": %.12g, "se": %.12g, "rr": %.12g, "rr_low": %.12g, "rr_high": %.12g}',
          b, se, exp(b), exp(b - z * se), exp(b + z * se))
}
out <- c()
for (name in names(models)) {
  m <- models[[name]]
  terms <- c("smokban", "time")
  if (name == "model4_slope_change") terms <- c(terms, "smokban:I(time - 36)")
  parts <- sapply(terms, function(t) sprintf('"%s": %s', t, row(m, t)))
  disp <- summary(m)$dispersion
  out <- c(out, sprintf('"%s": {%s, "dispersion": %.12g}', name, paste(parts, collapse = ", "),
                        disp))
}
so <- summary(ols)$coefficients
# Newey-West HAC SE (Bartlett kernel, 3 lags, no prewhitening, n / (n - k) correction) from the
# sandwich package (Debian r-cran-sandwich), when installed
nw <- if (requireNamespace("sandwich", quietly = TRUE)) {
  sqrt(diag(sandwich::NeweyWest(ols, lag = 3, prewhite = FALSE, adjust = TRUE)))["smokban"]
} else NA
out <- c(out, sprintf(
  '"ols_rate_harmonic": {"smokban": {"coef": %.12g, "se_ols": %.12g, "se_newey_west_lag3": %.12g}}',
  so["smokban", 1], so["smokban", 2], nw))
cat(sprintf('{"generated_by": "make_reference.R", "r_version": "%s", %s}\n',
            R.version.string, paste(out, collapse = ", ")))
