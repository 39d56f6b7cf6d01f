# Reference values for talentlab.qca.nca computed with the R package NCA's own code.
#
# CRAN is not reachable from the development machine and Debian has no r-cran-nca, so this
# script sources the package's R files (NCA 5.0.1, GPL >= 3, https://github.com/cran/NCA, commit
# 74d606e) that compute ceilings, effect sizes, accuracy, fit and bottlenecks. They use base R
# only. The permutation test (R's random numbers) is not reproduced; it is checked by properties.
#
# Usage (from this folder):  Rscript make_reference.R /path/to/NCA/R > nca_example_reference.json
# where /path/to/NCA/R holds the package's R/ folder (e.g. `git archive` of the commit above).

args <- commandArgs(trailingOnly = TRUE)
src <- args[1]
for (f in c("p_constants.R", "p_utils.R", "p_peers.R", "p_ceiling.R", "p_metrics.R",
            "p_bottleneck.R", "p_bottleneck_table.R", "p_nca_ce_fdh.R", "p_nca_cr_fdh.R")) {
  source(file.path(src, f))
}
p_skip_purity <- "NCA_SKIP_PURITY"
Sys.setenv(NCA_SKIP_PURITY = TRUE)
p_get_line_matrix <- function(...) NULL
p_ineffs <- function(...) NULL
p_ineffs_ce <- function(...) NULL
p_purity_empty <- list()

d <- read.csv("nca_example.csv", check.names = FALSE, row.names = 1)
y <- d[, "Innovation performance", drop = FALSE]
out <- list()
for (xn in c("Individualism", "Risk taking")) {
  x <- d[, xn, drop = FALSE]
  emp <- c(min(x), max(x), min(y), max(y))
  loop.data <- list(x = as.matrix(x), y = as.matrix(y), flip.x = FALSE, flip.y = FALSE, scope.emp = emp,
                    scope.theo = emp, scope.area = (emp[2] - emp[1]) * (emp[4] - emp[3]),
                    names = c(xn, "Innovation performance"), idx = 1)
  loop.data[[p_skip_purity]] <- TRUE
  bn <- p_bottleneck_data(x, y, NULL, FALSE, c("ce_fdh", "cr_fdh"), "percentage.range",
                          "percentage.range", 10, NULL, 0)
  ce <- p_nca_ce_fdh(loop.data, bn)
  loop.data$ce_fdh_ceiling <- ce$ceiling
  cr <- p_nca_cr_fdh(loop.data, bn)
  out[[xn]] <- list(
    scope = loop.data$scope.area, scope_emp = emp,
    peers = unname(ce$peers), peer_names = rownames(ce$peers),
    ce_fdh = list(ceiling = ce$ceiling, effect = ce$effect, accuracy = ce$accuracy,
                  bottleneck = as.vector(attr(ce$bottleneck, "mpx.actual"))),
    cr_fdh = list(ceiling = cr$ceiling, effect = cr$effect, accuracy = cr$accuracy,
                  above = cr$above, fit = cr$fit, slope = cr$slope, intercept = cr$intercept,
                  bottleneck = as.vector(attr(cr$bottleneck, "mpx.actual"))),
    bottleneck_y = as.vector(bn$mpy)
  )
}
num <- function(v) {
  if (is.list(v)) {
    items <- mapply(function(k, e) sprintf("\"%s\": %s", k, num(e)), names(v), v)
    if (is.null(names(v))) return(sprintf("[%s]", paste(sapply(v, num), collapse = ", ")))
    return(sprintf("{%s}", paste(items, collapse = ", ")))
  }
  if (is.matrix(v)) return(num(lapply(seq_len(nrow(v)), function(i) v[i, ])))
  if (is.character(v)) return(sprintf("[%s]", paste(sprintf("\"%s\"", v), collapse = ", ")))
  f <- function(z) if (is.na(z)) "null" else if (is.infinite(z)) ifelse(z > 0, "\"Inf\"", "\"-Inf\"") else sprintf("%.17g", z)
  if (length(v) == 1) return(f(v))
  sprintf("[%s]", paste(sapply(v, f), collapse = ", "))
}
cat(sprintf("{\"source\": \"R NCA 5.0.1 functions (github.com/cran/NCA 74d606e) on nca.example, %s\",\n \"results\": %s}\n",
            R.version.string, num(out)))
