// Builds the server-side TLS context from a certificate and key. Used both
// for serving and for --check-config, so the check is exactly what serving
// would load.
#pragma once
#include "sentryd/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace sentryd {

// TLS 1.2 minimum, server cipher preference, ECDHE + AEAD suites only,
// SSL_MODE_RELEASE_BUFFERS (idle connections hand their buffers back).
// Fails with a message naming the file when the cert or key cannot be used.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);

}  // namespace sentryd
