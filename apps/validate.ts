import { runValidateCli } from '../lib/synth/validate';

// `npm run validate`: checks the committed dist/ and clusters/ with the same gate synth runs before writing.
runValidateCli();
