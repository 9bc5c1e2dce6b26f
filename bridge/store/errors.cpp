#include "bridge/store/errors.hpp"

#include <string>

namespace iotgw::bridge::store {

namespace {

// boost::system::error_category's destructor is protected and non-virtual by
// design (categories are never deleted through the base); GCC warns anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iotgw.store"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::dropped:
        return "message dropped: store full";
      case Errc::not_open:
        return "store not open";
      case Errc::stopped:
        return "store stopped";
      case Errc::database_error:
        return "database error";
    }
    return "unknown store error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& store_category() {
  static const Category category;
  return category;
}

}  // namespace iotgw::bridge::store
