# Differential of SetMethods 4.0 robustness functions on random fuzzy data sets, for
# tests/test_qca_robustness_setmethods.py. Run from this folder:
#   Rscript make_robustness_differential.R   (writes robustness_differential.json)
suppressPackageStartupMessages({library(QCA); library(SetMethods); library(jsonlite)})
quiet <- function(expr) { r <- NULL; invisible(capture.output(r <- suppressWarnings(expr))); r }
first_model <- function(sol) if (is.null(sol$i.sol)) sol$solution[[1]] else sol$i.sol$C1P1$solution[[1]]
set.seed(20251207)
sets <- list()
for (k in 1:40) {
  n <- sample(12:30, 1)
  X <- matrix(round(runif(n * 4), 2), ncol = 4, dimnames = list(NULL, c("A", "B", "C", "D")))
  Y <- round(pmin(1, pmax(0, 0.5 * pmax(pmin(X[, 1], X[, 2]), X[, 3]) + 0.5 * runif(n))), 2)
  d <- data.frame(X, Y = Y, row.names = paste0("c", seq(n)))
  ic <- sample(c(0.75, 0.8, 0.85), 1)
  kind <- c("conservative", "parsimonious", "intermediate")[1 + k %% 3]
  args <- list(data = d, outcome = "Y", conditions = c("A", "B", "C", "D"), incl.cut = ic,
               n.cut = 1, include = if (kind == "conservative") "" else "?")
  if (kind == "intermediate") args$dir.exp <- c("A", "B", "C", "D")
  margs <- args; names(margs)[1] <- "input"
  init <- try(quiet(do.call(minimize, margs)), silent = TRUE)
  entry <- list(data = as.list(d), cases = rownames(d), kind = kind, incl_cut = ic)
  if (inherits(init, "try-error")) { entry$error <- TRUE; sets[[k]] <- entry; next }
  entry$model <- first_model(init)
  ir <- try(quiet(do.call(rob.inclrange, c(args, list(step = 0.02, max.runs = 8)))), silent = TRUE)
  nr <- try(quiet(do.call(rob.ncutrange, c(args, list(step = 1, max.runs = 4)))), silent = TRUE)
  if (!inherits(ir, "try-error")) entry$incl <- list(lower = ir[1, 1], upper = ir[2, 1])
  if (!inherits(nr, "try-error")) entry$ncut <- list(lower = nr[1, 1], upper = nr[2, 1])
  tests <- list(); changes <- list()
  for (alt in list(list(incl.cut = ic - 0.05, n.cut = 1), list(incl.cut = ic + 0.05, n.cut = 1),
                   list(incl.cut = ic, n.cut = 2))) {
    a <- margs; a$incl.cut <- alt$incl.cut; a$n.cut <- alt$n.cut
    s <- try(quiet(do.call(minimize, a)), silent = TRUE)
    if (!inherits(s, "try-error")) { tests[[length(tests) + 1]] <- s; changes[[length(changes) + 1]] <- alt }
  }
  if (length(tests) > 0) {
    # at most two test solutions: SetMethods 4.0 combines only the first and the last
    keep <- seq_len(min(2, length(tests)))
    ts <- tests[keep]
    rf <- rob.fit(test_sol = ts, initial_sol = init, outcome = "Y")
    # rob.cases' CaseParameters (rob.cases itself also writes Boolean intersections, which
    # stop with "The result is an empty set" on some data)
    rc <- SetMethods:::rob.case.ratio(test_sol = ts, initial_sol = init, outcome = "Y")
    P1 <- pimdata(init, "Y")$solution_formula; Yv <- pimdata(init, "Y")$out
    PT <- matrix(sapply(ts, function(t) pimdata(t, "Y")$solution_formula), ncol = length(ts))
    P2 <- apply(PT, 1, min); P3 <- apply(PT, 1, max); core <- pmin(P1, P2)
    cons <- function(x) sum(pmin(x, Yv)) / sum(x); cov <- function(x) sum(pmin(x, Yv)) / sum(Yv)
    entry$fit <- list(tests = changes[keep], test_models = lapply(ts, first_model),
                      rob_fit = as.list(setNames(as.numeric(rf[1, ]), colnames(rf))),
                      unrounded = list(RF_cov = cov(core) / cov(P1), RF_cons = cons(P1) / cons(core),
                                       RF_SC_minTS = sum(pmin(P1, P2)) / sum(pmax(P1, P2)),
                                       RF_SC_maxTS = sum(pmin(P1, P3)) / sum(pmax(P1, P3))),
                      case_ratio = as.list(setNames(as.numeric(rc[1, ]), colnames(rc))))
  }
  sets[[k]] <- entry
}
writeLines(toJSON(list(versions = list(QCA = as.character(packageVersion("QCA")),
                                       SetMethods = as.character(packageVersion("SetMethods"))),
                       sets = sets), digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "robustness_differential.json")
