/** @module Empty stand-in for the Node built-ins that the tfjs Node bundle requires but never uses in workerd. */

export default {};
