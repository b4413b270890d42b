/**
 * What every layer's config records share: {@link io.chainmux.config.ConfigChecks}, the validation
 * that names the field and the rule a value broke. Depends on nothing else in chainmux.
 */
package io.chainmux.config;
