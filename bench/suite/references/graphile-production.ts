// Grafast reads GRAPHILE_ENV when it loads; imported first, this makes the reference run in
// production mode explicitly (as the benchmark means it) instead of warning on every start.
process.env.GRAPHILE_ENV ??= 'production';
