# R QCA outputs for the deliberate differences of talentlab.qca (tests/test_qca_r_differences.py).
# Usage (from this folder): Rscript r_differences.R > r_differences.json
# Needs R with QCA 3.25.1 (admisc 0.39) and jsonlite; the NCA part sources the R package NCA's own
# files: Rscript r_differences.R /path/to/NCA/R (NCA 5.0.1, https://github.com/cran/NCA, commit
# 74d606e; its R/ folder, e.g. `git archive` of that commit), as tests/data/nca/make_reference.R.
suppressMessages({library(QCA); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
rows_of <- function(tt) {
  seen <- which(tt$tt$n > 0)
  r <- tt$tt[seen, , drop = FALSE]
  list(row = as.integer(rownames(r)), OUT = as.character(r$OUT), n = r$n,
       incl = as.numeric(r$incl), PRI = as.numeric(r$PRI), cases = r$cases)
}
err <- function(expr) tryCatch({expr; NULL}, error = function(e) conditionMessage(e))
fit_of <- function(ic, nmodels) {
  one <- function(x) list(terms = rownames(x$incl.cov),
                          inclS = x$incl.cov$inclS, PRI = x$incl.cov$PRI,
                          covS = x$incl.cov$covS, covU = x$incl.cov$covU,
                          solution = as.list(x$sol.incl.cov[1, c("inclS", "PRI", "covS")]))
  if (nmodels > 1) lapply(ic$individual, one) else list(one(ic))
}
branch_of <- function(b) list(
  c_sol = b$c.sol, p_sol = b$p.sol,
  EC = as.integer(rownames(b$EC)), DC = as.integer(rownames(b$DC)),
  solutions = lapply(b$solution, as.list), essential = b$essential,
  fit = fit_of(b$IC, length(b$solution)))
intermediate_of <- function(tt, dir_exp) {
  m <- minimize(tt, include = "?", dir.exp = dir_exp)
  list(conservative = lapply(minimize(tt)$solution, as.list),
       parsimonious = lapply(m$solution, as.list),
       branches = lapply(m$i.sol, branch_of))
}
out <- list(R_version = R.version.string, QCA_version = as.character(packageVersion("QCA")),
            admisc_version = as.character(packageVersion("admisc")))

# 1. Two inclusion cut-offs and n.cut > 1: R writes the C codes on the wrong rows.
#    000: 1 case (below n.cut 2); 001: 3 cases, 2 with Y (incl 2/3: C under 0.9/0.6);
#    010: 2 cases with Y (1); 100: 2 cases without Y (0).
two_cuts <- data.frame(A = c(0, 0, 0, 0, 0, 0, 1, 1), B = c(0, 0, 0, 0, 1, 1, 0, 0),
                       C = c(0, 1, 1, 1, 0, 0, 0, 0), Y = c(1, 1, 1, 0, 1, 1, 0, 0),
                       row.names = paste0("c", 1:8))
tt1 <- truthTable(two_cuts, outcome = "Y", incl.cut = c(0.9, 0.6), n.cut = 2)
tt1b <- truthTable(two_cuts, outcome = "Y", incl.cut = c(0.9, 0.6), n.cut = 1)
out$two_cuts <- list(data = two_cuts, incl_cut = c(0.9, 0.6), n_cut = 2, rows = rows_of(tt1),
                     rows_n_cut_1 = rows_of(tt1b),
                     conservative = lapply(minimize(tt1)$solution, as.list))

# 2. No row reaches n.cut: R's truthTable refuses (talentlab's minimize refuses).
out$no_row_reaches_n_cut <- list(data = two_cuts, n_cut = 4,
                                 error = err(truthTable(two_cuts, outcome = "Y", n.cut = 4)))

# 3. The issue's smallest case: intermediate branches without easy counterfactuals.
smallest <- data.frame(A = c(0, 0, 0, 0, 1, 1), B = c(0, 0, 1, 1, 0, 1), C = c(0, 1, 0, 1, 1, 0),
                       Y = c(1, 1, 1, 0, 1, 1), row.names = paste0("c", 1:6))
tts <- truthTable(smallest, outcome = "Y", incl.cut = 1)
out$smallest <- c(list(data = smallest, dir_exp = "~A, B, C", rows = rows_of(tts)),
                  intermediate_of(tts, "~A, B, C"))

# 4. Published data: LF, incl.cut 0.8. With the expectations DEV, ~URB, LIT, IND, STB no
#    simplifying assumption is an easy counterfactual (empty EC); with the absence of every
#    condition expected, ten are.
data(LF)
ttl <- truthTable(LF, outcome = "SURV", incl.cut = 0.8)
de <- "DEV, ~URB, LIT, IND, STB"
out$lf_empty_ec <- c(list(dir_exp = de), intermediate_of(ttl, de))
de <- "~DEV, ~URB, ~LIT, ~IND, ~STB"
out$lf_absence_expected <- c(list(dir_exp = de), intermediate_of(ttl, de))

# 5. NCA scope: R NCA's default (scope = NULL) is the observed range; scope = c(0, 1, 0, 1)
#    the theoretical one. Ceiling CE-FDH on LF (SURV by each condition).
if (length(args) >= 1) {
  src <- args[1]
  for (f in c("p_constants.R", "p_utils.R", "p_peers.R", "p_ceiling.R", "p_metrics.R",
              "p_bottleneck.R", "p_bottleneck_table.R", "p_loop_data.R", "p_nca_ce_fdh.R")) source(file.path(src, f))
  p_skip_purity <- "NCA_SKIP_PURITY"
  p_get_line_matrix <- function(...) NULL
  p_ineffs <- function(...) NULL
  p_ineffs_ce <- function(...) NULL
  p_purity_empty <- list()
  Sys.setenv(NCA_SKIP_PURITY = TRUE)
  nca <- list()
  for (xn in c("DEV", "URB", "LIT", "IND", "STB")) {
    x <- LF[, xn, drop = FALSE]; y <- LF[, "SURV", drop = FALSE]
    res <- list()
    for (sc in list(list(name = "default", value = NULL),
                    list(name = "theoretical", value = c(0, 1, 0, 1)))) {
      loop.data <- p_create_loop_data(x, y, list(sc$value), FALSE, FALSE, 1, NULL, NULL)
      loop.data[[p_skip_purity]] <- TRUE
      bn <- p_bottleneck_data(x, y, NULL, FALSE, "ce_fdh", "percentage.range",
                              "percentage.range", 10, NULL, 0)
      ce <- p_nca_ce_fdh(loop.data, bn)
      res[[sc$name]] <- list(scope_area = loop.data$scope.area, scope = loop.data$scope.theo,
                             ceiling = ce$ceiling, effect = ce$effect)
    }
    nca[[xn]] <- res
  }
  out$nca_lf <- nca
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE))
